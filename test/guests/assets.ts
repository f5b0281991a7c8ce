/**
 * What a real-guest run needs, fetched by package name and cached under
 * `.cache/guests/` (gitignored): Debian's kernels (`apt-get download`, i386
 * ones after `dpkg --add-architecture i386`), a static busybox of the guest's
 * architecture, and a busybox initramfs built with cpio. Repeat runs reuse the
 * cache and touch no network. As root the missing pieces are installed, as
 * scripts/ensure-chromium.mjs installs Chromium; otherwise the error says what
 * to install.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type GuestMode = '32' | 'pae' | '4' | '5';

export interface GuestSpec {
  mode: GuestMode;
  arch: 'amd64' | 'i386';
  /** Debian's metapackage; the versioned kernel package it depends on is fetched. */
  kernelPackage: string;
  /** QEMU -cpu (TCG). */
  cpu: string;
  title: string;
}

export const GUESTS: Record<GuestMode, GuestSpec> = {
  '5': { mode: '5', arch: 'amd64', kernelPackage: 'linux-image-cloud-amd64', cpu: 'max,la57=on', title: '5-level (LA57)' },
  '4': { mode: '4', arch: 'amd64', kernelPackage: 'linux-image-cloud-amd64', cpu: 'max,la57=off', title: '4-level' },
  pae: { mode: 'pae', arch: 'i386', kernelPackage: 'linux-image-686-pae', cpu: 'max', title: 'PAE' },
  '32': { mode: '32', arch: 'i386', kernelPackage: 'linux-image-686', cpu: 'max', title: '32-bit' },
};

/** The marker the guest's init prints on the serial console once its user-space memory is in place. */
export const READY_MARKER = 'PAGODA-GUEST-READY';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const cacheDir = join(repoRoot, '.cache', 'guests');

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

function run(cmd: string, args: string[], opts: { cwd?: string; input?: Buffer } = {}): string {
  return execFileSync(cmd, args, { cwd: opts.cwd, input: opts.input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
}

function have(cmd: string): boolean {
  try {
    run('sh', ['-c', `command -v ${cmd}`]);
    return true;
  } catch {
    return false;
  }
}

/** Install Debian packages as root, or explain what is missing. */
function needPackages(pkgs: string[], why: string): void {
  if (!isRoot()) throw new Error(`${why}: install ${pkgs.join(', ')} (sudo apt-get install ${pkgs.join(' ')})`);
  run('apt-get', ['update', '-qq']);
  execFileSync('apt-get', ['install', '-y', '-qq', ...pkgs], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** The tools the harness runs: QEMU, cpio, dpkg-deb, apt-get, and a static busybox for amd64 guests. */
export function ensureHostTools(): void {
  const missing: string[] = [];
  if (!have('qemu-system-x86_64')) missing.push('qemu-system-x86');
  if (!have('cpio')) missing.push('cpio');
  if (!existsSync('/bin/busybox')) missing.push('busybox-static');
  if (missing.length) needPackages(missing, 'the real-guest tests need QEMU, cpio and busybox-static');
  if (!have('apt-get') || !have('dpkg-deb')) throw new Error('the real-guest tests fetch kernels with apt-get and dpkg-deb (Debian or a derivative)');
}

/**
 * The package to download for `name`: for a kernel metapackage, the versioned
 * linux-image package it depends on (`apt-cache depends`); otherwise `name`
 * itself if apt has it. Null when apt does not know it.
 */
function resolvePackage(name: string): string | null {
  try {
    if (/^linux-image-/.test(name)) {
      const m = /Depends:\s+(linux-image-\S+?)(:i386|:amd64)?\s*$/m.exec(run('apt-cache', ['depends', '--important', name]));
      return m ? m[1] : null;
    }
    return /^Package:/m.test(run('apt-cache', ['show', '--no-all-versions', name])) ? name.replace(/:(i386|amd64)$/, '') : null;
  } catch {
    return null;
  }
}

function archName(pkg: string, arch: 'amd64' | 'i386'): string {
  return arch === 'i386' ? `${pkg}:i386` : pkg;
}

/** Make apt know the package (adding the i386 architecture as root if needed). */
function ensureAptKnows(pkg: string, arch: 'amd64' | 'i386'): string {
  let target = resolvePackage(archName(pkg, arch));
  if (target === null && isRoot()) {
    if (arch === 'i386' && !run('dpkg', ['--print-foreign-architectures']).split(/\s+/).includes('i386')) {
      run('dpkg', ['--add-architecture', 'i386']);
    }
    run('apt-get', ['update', '-qq']);
    target = resolvePackage(archName(pkg, arch));
  }
  if (target === null) {
    const hint = arch === 'i386' ? 'sudo dpkg --add-architecture i386 && sudo apt-get update' : 'sudo apt-get update';
    throw new Error(`apt does not know ${archName(pkg, arch)}: run ${hint}`);
  }
  return target;
}

/** Download one package by name into a scratch folder and extract the paths matching `pattern`. */
function fetchFromPackage(pkg: string, arch: 'amd64' | 'i386', pattern: string, into: string): string[] {
  const tmp = mkdtempSync(join(cacheDir, 'dl-'));
  try {
    // apt-get download runs as _apt when it can; a world-writable scratch folder lets it.
    chmodSync(tmp, 0o777);
    try {
      run('apt-get', ['download', '-qq', archName(pkg, arch)], { cwd: tmp });
    } catch (e) {
      // Stale package lists name a version the mirror no longer has: refresh once (as root) and retry.
      if (!isRoot()) throw new Error(`apt-get download ${archName(pkg, arch)} failed: ${(e as Error).message.trim()}`);
      run('apt-get', ['update', '-qq']);
      run('apt-get', ['download', '-qq', archName(pkg, arch)], { cwd: tmp });
    }
    const deb = readdirSync(tmp).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download ${archName(pkg, arch)} produced no .deb`);
    const x = join(tmp, 'x');
    mkdirSync(x);
    const tar = execFileSync('dpkg-deb', ['--fsys-tarfile', join(tmp, deb)], { maxBuffer: 1 << 30 });
    execFileSync('tar', ['-x', '-C', x, '--wildcards', pattern], { input: tar, maxBuffer: 1 << 30 });
    const out: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else {
          const dest = join(into, e.name);
          renameSync(p, dest);
          out.push(dest);
        }
      }
    };
    walk(x);
    writeFileSync(join(into, 'package.txt'), deb + '\n');
    return out;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The kernel image for a guest, fetched once. */
export function ensureKernel(spec: GuestSpec): string {
  const dir = join(cacheDir, `${spec.kernelPackage}-${spec.arch}`);
  const kernel = join(dir, 'vmlinuz');
  if (existsSync(kernel)) return kernel;
  mkdirSync(cacheDir, { recursive: true });
  const target = ensureAptKnows(spec.kernelPackage, spec.arch);
  const stage = mkdtempSync(join(cacheDir, 'kernel-'));
  const files = fetchFromPackage(target, spec.arch, './boot/vmlinuz-*', stage);
  if (files.length !== 1) throw new Error(`${target}: expected one /boot/vmlinuz-*, found ${files.length}`);
  renameSync(files[0], join(stage, 'vmlinuz'));
  rmSync(dir, { recursive: true, force: true });
  renameSync(stage, dir);
  return kernel;
}

function ensureBusybox(arch: 'amd64' | 'i386'): string {
  if (arch === 'amd64') return '/bin/busybox';
  const dir = join(cacheDir, `busybox-static-${arch}`);
  const bin = join(dir, 'busybox');
  if (existsSync(bin)) return bin;
  mkdirSync(cacheDir, { recursive: true });
  ensureAptKnows('busybox-static', arch);
  const stage = mkdtempSync(join(cacheDir, 'busybox-'));
  const files = fetchFromPackage('busybox-static', arch, './bin/busybox', stage);
  if (files.length !== 1) throw new Error(`busybox-static:${arch}: no /bin/busybox in the package`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(stage, dir);
  return bin;
}

/**
 * The guest's init: mount the pseudo file systems, grow a 64 MiB string in the
 * shell's heap (so the dump holds thousands of 4 KiB user pages), say it is
 * ready, then spin in user mode, so the vCPU's CR3 at the pause is this
 * process's page tables (user and kernel halves).
 */
const INIT = `#!/bin/busybox sh
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /tmp
mount -t proc proc /proc
mount -t sysfs sysfs /sys
s=0123456789abcdef
i=0
while [ $i -lt 22 ]; do s=$s$s; i=$((i+1)); done
echo "${READY_MARKER} \${#s}"
while :; do :; done
`;

/** A gzip'd newc initramfs with busybox and the init above, built once per architecture. */
export function ensureInitramfs(arch: 'amd64' | 'i386'): string {
  const out = join(cacheDir, `initramfs-${arch}.cpio.gz`);
  if (existsSync(out)) return out;
  const busybox = ensureBusybox(arch);
  const root = mkdtempSync(join(cacheDir, 'initramfs-'));
  try {
    mkdirSync(join(root, 'bin'));
    execFileSync('cp', [busybox, join(root, 'bin', 'busybox')]);
    writeFileSync(join(root, 'init'), INIT, { mode: 0o755 });
    const list = ['.', './bin', './bin/busybox', './init'].join('\n') + '\n';
    const cpio = execFileSync('cpio', ['--quiet', '-o', '-H', 'newc', '-R', '0:0'], { cwd: root, input: list, maxBuffer: 1 << 28 });
    const gz = execFileSync('gzip', ['-9', '-n'], { input: cpio, maxBuffer: 1 << 28 });
    const tmp = `${out}.${process.pid}`;
    writeFileSync(tmp, gz);
    renameSync(tmp, out);
    return out;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Everything one guest needs: kernel and initramfs paths. */
export function ensureGuestAssets(spec: GuestSpec): { kernel: string; initrd: string } {
  ensureHostTools();
  mkdirSync(cacheDir, { recursive: true });
  return { kernel: ensureKernel(spec), initrd: ensureInitramfs(spec.arch) };
}
