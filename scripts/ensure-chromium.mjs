// Playwright here drives the system Chromium (browser downloads fail on these
// machines). Make sure one exists before the browser tests: use CHROMIUM_PATH
// or /usr/bin/chromium, and install Debian's package when running as root.
import { existsSync } from 'node:fs';
import { execSync } from 'node:child_process';

const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
if (existsSync(path)) process.exit(0);
if (process.env.CHROMIUM_PATH) {
  console.error(`CHROMIUM_PATH=${path} does not exist.`);
  process.exit(1);
}
if (typeof process.getuid === 'function' && process.getuid() === 0) {
  console.log('Installing Chromium from Debian packages for the browser tests...');
  execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium', { stdio: 'inherit' });
  process.exit(existsSync(path) ? 0 : 1);
}
console.error('The browser tests need Chromium: install the "chromium" package (sudo apt-get install chromium) or set CHROMIUM_PATH.');
process.exit(1);
