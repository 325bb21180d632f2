import path from 'node:path';
import { root } from './environment.js';

/**
 * Settings of the Kubernetes e2e (playwright.kubernetes.config.ts): a console of its own whose one
 * engine is a cluster answered by the replay API server (server/test/support/kube-replay.ts) from
 * server/test/fixtures/kubernetes/browser.json. Its instance label is fixed, not derived from
 * SONDE_E2E_INSTANCE: the recording holds it (the ephemeral container's name and environment).
 */
export const kubernetesPort = Number(process.env.SONDE_E2E_KUBERNETES_PORT || 18192);
export const kubernetesBaseURL = `http://localhost:${kubernetesPort}`;
export const kubernetesToken = 'e2e-kubernetes-token-not-a-secret-0123';
export const kubernetesInstance = 'e2e-k8s';
export const kubernetesDataDir = path.join(root, 'test-results', 'e2e-kubernetes-data');
/** The cluster's name in SONDE_ENGINES, which the recording's exchanges do not carry. */
export const clusterName = 'prod';
