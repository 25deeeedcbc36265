import { loadConfigOrExit, startService } from './service.js';
import { serviceHelp } from './service-help.js';

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(serviceHelp());
} else {
  await startService(loadConfigOrExit());
}
