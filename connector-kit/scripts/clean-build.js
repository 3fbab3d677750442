#!/usr/bin/env node
// Before `npm pack` / `npm publish`: build the kit from scratch into an empty dist/, so that a
// file deleted from src/ (or an edit not yet built) never ships.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const kit = join(dirname(fileURLToPath(import.meta.url)), '..');
rmSync(join(kit, 'dist'), { recursive: true, force: true });
rmSync(join(kit, 'tsconfig.tsbuildinfo'), { force: true });
const tsc = createRequire(join(kit, 'package.json')).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-b', kit], { stdio: 'inherit' });
