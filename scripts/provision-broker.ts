/**
 * `npm run broker:provision`: what `npm start` does first, alone: the saga's vhost, one
 * broker user per service with least privilege, and nobody else on the vhost. Idempotent.
 */
import { provisionServiceUsers } from '@saga/shared';
import { SERVICE_NAMES } from '../services/registry';

provisionServiceUsers(SERVICE_NAMES, process.env).then(
  ({ vhost, namespace, via }) => process.stdout.write(`vhost ${vhost}: users ${SERVICE_NAMES.join(', ')} provisioned for namespace ${namespace} through the ${via}\n`),
  (error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  },
);
