// How every browser run of the project starts Debian's Chromium: the e2e tests, the screenshots and
// the browser benchmark. Without the background-networking flags Chromium keeps dialling Google's
// hosts, which this closed network refuses; --enable-unsafe-webgpu exposes the WebGPU adapter.
const BASE_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export const CHROMIUM_LAUNCH = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [...BASE_ARGS, '--enable-unsafe-webgpu'],
};

/**
 * Chromium as a laptop or VM without a usable GPU runs it: default flags, so WebGPU gives no adapter
 * and WebGL is SwiftShader (issue 66). For the specs of the backend choice (`test.use({ launchOptions })`).
 */
export const CHROMIUM_LAUNCH_DEFAULT_GPU = {
  executablePath: CHROMIUM_LAUNCH.executablePath,
  args: BASE_ARGS,
};
