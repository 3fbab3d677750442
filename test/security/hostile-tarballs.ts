import type { RawEntry } from '../registry/plugin-fixtures.js';

/**
 * Entries an attacker adds to an otherwise good plugin tarball, each with the words the refusal
 * must contain. Every install source goes through the same extraction, so these are tried through
 * the upload route (test/registry/plugin-install.test.ts) and must leave nothing behind.
 */
export const hostileTarballEntries: readonly (readonly [
  name: string,
  id: string,
  entries: readonly RawEntry[],
  detail: RegExp,
])[] = [
  [
    'path traversal',
    'evil-traversal',
    [{ path: 'package/../../escaped.txt', body: 'x' }],
    /"\.\." path segment/,
  ],
  [
    'absolute path',
    'evil-absolute',
    [{ path: '/tmp/junction-escaped.txt', body: 'x' }],
    /absolute path/,
  ],
  [
    'symlink escape',
    'evil-symlink',
    [{ path: 'package/dist/passwd', type: 'SymbolicLink', linkpath: '../../../../etc/passwd' }],
    /symbolic link that points outside/,
  ],
  [
    'hardlink escape',
    'evil-hardlink',
    [{ path: 'package/dist/hl', type: 'Link', linkpath: 'package/../../../etc/passwd' }],
    /hard link that points outside/,
  ],
  [
    'device file',
    'evil-device',
    [{ path: 'package/dev', type: 'CharacterDevice' }],
    /CharacterDevice/,
  ],
  [
    'set-user-id file',
    'evil-setuid',
    [{ path: 'package/dist/run.sh', body: '#!/bin/sh\nid\n', mode: 0o4755 }],
    /set-user-id bit set \(mode 4755\)/,
  ],
  [
    'set-group-id file',
    'evil-setgid',
    [{ path: 'package/dist/run.sh', body: '#!/bin/sh\nid\n', mode: 0o2755 }],
    /set-group-id bit set/,
  ],
  [
    'sticky folder',
    'evil-sticky',
    [{ path: 'package/dist/shared/', type: 'Directory', mode: 0o1777 }],
    /sticky bit set/,
  ],
  [
    'second package.json (the last would win)',
    'evil-duplicate',
    [{ path: 'package/package.json', body: '{"name":"evil","scripts":{"postinstall":"id"}}' }],
    /second entry for "package\.json"/,
  ],
  [
    'second entry for one file under another spelling',
    'evil-duplicate-spelling',
    [{ path: 'package/./dist//index.js', body: 'process.exit(1)' }],
    /second entry for "dist\/index\.js"/,
  ],
];
