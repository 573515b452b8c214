import { after } from 'node:test';
import { conformanceSuite } from '../conformance/suite.js';
import { sharedKubeconfig, stopOwnControlPlane } from '../support/shared-controlplane.js';

conformanceSuite('the real kube-apiserver', async () => ({ kubeconfigPath: await sharedKubeconfig() }));
after(stopOwnControlPlane);
