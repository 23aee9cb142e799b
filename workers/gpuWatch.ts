// What a real GPU can do to a training run that a CPU backend cannot: lose the device (driver
// reset, another tab's crash, the GPU process killed, `GPUDevice.destroy()`), or run out of
// memory. tfjs-webgpu does not report either: a lost device makes reads hang or return garbage, an
// out-of-memory error only reaches the device's `uncapturederror` event. This watches the device
// tfjs-webgpu created and reports both once, with a reason a person can read.
import * as tf from '@tensorflow/tfjs';

/** The members of GPUDevice used here (lib.dom may lack the WebGPU types). */
interface WatchedDevice {
  destroy(): void;
  lost: Promise<{ reason?: string; message?: string }>;
  addEventListener(
    type: 'uncapturederror',
    fn: (ev: Event & { error?: { message?: string; constructor: { name: string } } }) => void,
  ): void;
}

/** The GPUDevice of the active tfjs-webgpu backend, or null on any other backend. */
export function webgpuDevice(): WatchedDevice | null {
  if (tf.getBackend() !== 'webgpu') return null;
  const dev = (tf.backend() as unknown as { device?: WatchedDevice }).device;
  return dev && typeof dev.addEventListener === 'function' ? dev : null;
}

/** Calls `onFailure` (once) when the webgpu device is lost or reports an out-of-memory error. */
export function watchGpuDevice(onFailure: (reason: string) => void): boolean {
  const dev = webgpuDevice();
  if (!dev) return false;
  let fired = false;
  const fire = (reason: string) => {
    if (fired) return;
    fired = true;
    onFailure(reason);
  };
  void dev.lost.then((info) =>
    fire(`the GPU device was lost${info.reason ? ` (${info.reason})` : ''}${info.message ? `: ${info.message}` : ''}`),
  );
  dev.addEventListener('uncapturederror', (ev) => {
    const err = ev.error;
    if (err && err.constructor.name === 'GPUOutOfMemoryError') fire(`the GPU ran out of memory${err.message ? `: ${err.message}` : ''}`);
  });
  return true;
}

/** The device-loss drill (e2e): destroys the webgpu device as a driver reset would. */
export function destroyGpuDevice(): boolean {
  const dev = webgpuDevice();
  dev?.destroy();
  return dev !== null;
}
