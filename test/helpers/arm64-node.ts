/**
 * Node.js for linux-arm64 (the runtime of the deployed functions) on this machine, whatever its
 * CPU: `scripts/arm64-node.sh` installs Debian's qemu-user-static, the AArch64 C and C++ runtime
 * libraries and the official Node.js 24 arm64 binary (idempotent; quick when all is there), and
 * {@link runOnArm64} starts that binary under qemu.
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';

import { PROJECT_ROOT } from './local-root';

/** The installer; each fact about the install (versions, paths) is in it. */
export const ARM64_NODE_SCRIPT = path.join(PROJECT_ROOT, 'scripts', 'arm64-node.sh');

/** What the installer reports. */
export interface Arm64Node {
  /** Debian's qemu-aarch64-static. */
  readonly qemu: string;
  /** Where the AArch64 loader and libraries are (qemu's `-L`). */
  readonly sysroot: string;
  /** The official Node.js binary for linux-arm64. */
  readonly node: string;
  readonly nodeVersion: string;
}

/** The installer failed: no qemu, no library, no Node.js binary; its message says what to do. */
export class Arm64NodeInstallError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Arm64NodeInstallError';
  }
}

/** Installs (if needed) and locates qemu and Node.js for arm64; throws {@link Arm64NodeInstallError}. */
export function installArm64Node(): Arm64Node {
  const run = spawnSync('bash', [ARM64_NODE_SCRIPT], { cwd: PROJECT_ROOT, encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (run.status !== 0) {
    throw new Arm64NodeInstallError(
      `${path.relative(PROJECT_ROOT, ARM64_NODE_SCRIPT)} failed (${run.status ?? run.signal}): ${(run.stderr || String(run.error)).trim()}`,
    );
  }
  const found = Object.fromEntries(
    run.stdout
      .split('\n')
      .map((line) => /^(\w+)=(.*)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2]]),
  );
  for (const name of ['qemu', 'sysroot', 'node', 'nodeVersion']) {
    if (!found[name]) throw new Arm64NodeInstallError(`${path.relative(PROJECT_ROOT, ARM64_NODE_SCRIPT)} reported no ${name}: ${run.stdout}`);
  }
  return found as unknown as Arm64Node;
}

/** Options of {@link runOnArm64}. */
export interface Arm64RunOptions {
  /** The whole environment of the process (nothing of this one's is passed on). */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** qemu's CPU model (`QEMU_CPU`), e.g. `neoverse-n1` (Graviton2); qemu's default is `max`. */
  readonly cpu?: string;
  /** Killed (SIGKILL) after this long. */
  readonly killAfterMs: number;
  /** Receives stdout and stderr as they come. */
  readonly onOutput?: (chunk: string) => void;
}

/** How an arm64 process ended. */
export interface Arm64RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Its stdout and stderr, interleaved. */
  readonly output: string;
  readonly wallMs: number;
  readonly killed: boolean;
}

/** Runs `node <args>` for linux-arm64 under qemu. */
export function runOnArm64(arm64: Arm64Node, args: readonly string[], options: Arm64RunOptions): Promise<Arm64RunResult> {
  const started = Date.now();
  const env = { ...options.env, ...(options.cpu ? { QEMU_CPU: options.cpu } : {}) };
  const child = spawn(arm64.qemu, ['-L', arm64.sysroot, arm64.node, ...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer): void => {
    const text = chunk.toString();
    output += text;
    options.onOutput?.(text);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, options.killAfterMs);
  return new Promise((resolve, reject) => {
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output, wallMs: Date.now() - started, killed });
    });
  });
}
