#!/usr/bin/env node
// Installs the Debian packages the tests (and benchmarks) use beyond npm packages: a real
// redis-server and nginx, plus any binaries named on the command line (`wrk` for
// benchmarks). Runs before `vitest`; a no-op when everything is already installed.
import { execSync } from 'node:child_process';

const has = (bin) => {
  try { execSync(`command -v ${bin}`, { stdio: 'ignore', shell: '/bin/sh' }); return true; } catch { return false; }
};
const wanted = ['redis-server', 'nginx', ...process.argv.slice(2)];
const missing = wanted.filter((bin) => !has(bin) && !has(`/usr/sbin/${bin}`));
if (missing.length > 0) {
  const pkgs = missing.join(' ');
  const sudo = process.getuid && process.getuid() !== 0 ? 'sudo ' : '';
  console.log(`installing ${pkgs} with apt-get`);
  execSync(`${sudo}apt-get update -qq && DEBIAN_FRONTEND=noninteractive ${sudo}apt-get install -y -qq --no-install-recommends ${pkgs}`, { stdio: 'inherit', shell: '/bin/sh' });
}
