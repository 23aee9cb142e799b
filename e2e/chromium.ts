// How every browser run of the project starts Debian's Chromium: the e2e tests, the screenshots and
// the browser benchmark. Without the background-networking flags Chromium keeps dialling Google's
// hosts, which this closed network refuses; --enable-unsafe-webgpu exposes the WebGPU adapter.
export const CHROMIUM_LAUNCH = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--enable-unsafe-webgpu',
  ],
};
