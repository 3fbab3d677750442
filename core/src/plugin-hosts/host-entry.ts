/** The file a plugin host process starts with (see host-main.ts). */
import { main } from './host-main.js';

main();
