/** The entry of dist/weavectl.js (bin/weavectl.js imports it): runs the command line. */
import { main } from './main.js';

main();
