// WebGPU in Node through Dawn (the npm package `webgpu`, dawn.node): the app's WebGPU backend
// (tfjs-backend-webgpu) runs under vitest and in bench/gpu/ without a browser. Dawn is 132 MB for
// every platform, so it is no dependency of the app: `ensureDawn` installs the pinned version into
// node_modules/.cache/ on first use (tests, bench/gpu/prepare.sh), and nothing else ever loads it.
//
// Dawn drives Vulkan. Here the Vulkan driver is SwiftShader (CPU), from Debian's chromium package,
// which ships the ICD and the Vulkan loader (libvulkan.so.1) in its library folder; on a GPU
// machine it is the GPU's own driver. The loader is found through LD_LIBRARY_PATH, which glibc reads
// only when a process starts: `vulkanEnv` gives the variables for the process that will load Dawn
// (vitest's global setup sets them before the test processes start; bench/gpu/run.sh exports them).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './repoPath';

/** The pinned Dawn for Node: dawn.node's behaviour changes between releases. */
export const DAWN_VERSION = '0.6.2';

/** Where ensureDawn installs it (git-ignored, beside the npm packages). */
export function dawnDir(root: string = repoRoot()): string {
  return join(root, 'node_modules', '.cache', `dawn-${DAWN_VERSION}`);
}

/** The package's entry point under a dawnDir. */
export function dawnEntry(dir: string = dawnDir()): string {
  return join(dir, 'node_modules', 'webgpu', 'index.js');
}

export type DawnResult = { ok: true; detail: string } | { ok: false; reason: string };

/** Installs webgpu@DAWN_VERSION into `dir` unless it is there (npm, no save, no lock file). */
export function ensureDawn(dir: string = dawnDir()): DawnResult {
  if (existsSync(dawnEntry(dir))) return { ok: true, detail: dawnEntry(dir) };
  mkdirSync(dir, { recursive: true });
  // A package.json of its own, so npm installs here and never touches the repository's.
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'trajdistill-dawn', private: true }));
  const r = spawnSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', `webgpu@${DAWN_VERSION}`], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (r.status !== 0 || !existsSync(dawnEntry(dir))) {
    const why = (r.error?.message ?? r.stderr ?? '').trim().split('\n').slice(-1)[0] || `npm exited ${r.status}`;
    return { ok: false, reason: `npm could not install webgpu@${DAWN_VERSION} into ${dir}: ${why}` };
  }
  return { ok: true, detail: dawnEntry(dir) };
}

/** Folders that may hold Debian chromium's SwiftShader ICD and Vulkan loader. */
function chromiumLibDirs(): string[] {
  const dirs: string[] = [];
  const bin = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  try {
    dirs.push(dirname(realpathSync(bin)));
  } catch {
    // no chromium binary there
  }
  dirs.push('/usr/lib/chromium', '/usr/lib64/chromium');
  return [...new Set(dirs)];
}

/**
 * The environment a process needs to reach a Vulkan driver through Dawn: a VK_ICD_FILENAMES the
 * caller set is kept (a GPU machine's driver); otherwise SwiftShader's ICD from Debian's chromium.
 * LD_LIBRARY_PATH gains chromium's folder, which holds a Vulkan loader, for machines without one.
 */
export function vulkanEnv(env: NodeJS.ProcessEnv = process.env): { ok: true; env: Record<string, string> } | { ok: false; reason: string } {
  const libDir = chromiumLibDirs().find((d) => existsSync(join(d, 'vk_swiftshader_icd.json')) && existsSync(join(d, 'libvulkan.so.1')));
  const icd = env.VK_ICD_FILENAMES ?? (libDir ? join(libDir, 'vk_swiftshader_icd.json') : undefined);
  if (!icd) return { ok: false, reason: "no Vulkan driver: Debian's chromium (SwiftShader's vk_swiftshader_icd.json) is not installed" };
  const paths = [libDir, env.LD_LIBRARY_PATH].filter((p): p is string => !!p);
  return { ok: true, env: { VK_ICD_FILENAMES: icd, ...(paths.length ? { LD_LIBRARY_PATH: paths.join(delimiter) } : {}) } };
}

/** What navigator.gpu offers, as much of it as is used here. */
interface DawnGpu {
  requestAdapter(): Promise<{ info?: { description?: string; architecture?: string; vendor?: string } } | null>;
}

/**
 * Loads Dawn (installed by ensureDawn) and makes it this process's navigator.gpu, with the WebGPU
 * globals (GPUBufferUsage, …) tfjs-backend-webgpu uses; then asks for an adapter. Call it before
 * tfjs-backend-webgpu is imported: it registers its backend only where navigator.gpu exists.
 */
export async function useDawnGpu(dir: string = dawnDir()): Promise<DawnResult> {
  if (!existsSync(dawnEntry(dir))) return { ok: false, reason: `Dawn is not installed in ${dir}` };
  const mod = (await import(pathToFileURL(dawnEntry(dir)).href)) as { create(flags: string[]): DawnGpu; globals: object };
  Object.assign(globalThis, mod.globals);
  const gpu = mod.create([]);
  const g = globalThis as { navigator?: object };
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  else g.navigator = { gpu };
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    const hint = process.env.LD_LIBRARY_PATH ? '' : ' (LD_LIBRARY_PATH was unset when this process started: see vulkanEnv)';
    return {
      ok: false,
      reason: `Dawn found no Vulkan adapter through VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? '(unset)'}${hint}`,
    };
  }
  const i = adapter.info ?? {};
  return { ok: true, detail: [i.vendor, i.architecture, i.description].filter(Boolean).join(' / ') };
}
