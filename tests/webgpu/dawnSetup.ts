// vitest's global setup (vite.config.ts): runs once, in the main process, before the test
// processes start, so that they inherit the Vulkan environment Dawn needs (LD_LIBRARY_PATH is read
// only at a process's start) and find Dawn installed. When either cannot be had, the WebGPU tests
// skip with the reason in TRAJDISTILL_DAWN_SKIP; with TRAJDISTILL_REQUIRE_DAWN=1 (.ci/run) they fail.
import { ensureDawn, vulkanEnv } from '../../src/cli/common/dawn';

export default function setup(): void {
  const vk = vulkanEnv();
  const dawn = vk.ok ? ensureDawn() : null;
  const reason = !vk.ok ? vk.reason : dawn && !dawn.ok ? dawn.reason : null;
  if (reason) {
    if (process.env.TRAJDISTILL_REQUIRE_DAWN === '1') throw new Error(`WebGPU tests: ${reason}`);
    process.env.TRAJDISTILL_DAWN_SKIP = reason;
    return;
  }
  if (vk.ok) Object.assign(process.env, vk.env);
}
