import { loadConfigOrExit, startService } from './service.js';

await startService(loadConfigOrExit());
