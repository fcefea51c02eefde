#!/usr/bin/env node
// Installs what the test suite needs beyond npm packages: a real redis-server and nginx
// (Debian packages). Runs before `vitest`; a no-op when both are already on the PATH.
import { execSync } from 'node:child_process';

const has = (bin) => {
  try { execSync(`command -v ${bin}`, { stdio: 'ignore', shell: '/bin/sh' }); return true; } catch { return false; }
};
const missing = [['redis-server', 'redis-server'], ['nginx', 'nginx']].filter(([bin]) => !has(bin) && !has(`/usr/sbin/${bin}`));
if (missing.length > 0) {
  const pkgs = missing.map(([, pkg]) => pkg).join(' ');
  const sudo = process.getuid && process.getuid() !== 0 ? 'sudo ' : '';
  console.log(`installing ${pkgs} with apt-get`);
  execSync(`${sudo}apt-get update -qq && DEBIAN_FRONTEND=noninteractive ${sudo}apt-get install -y -qq --no-install-recommends ${pkgs}`, { stdio: 'inherit', shell: '/bin/sh' });
}
