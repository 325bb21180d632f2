import type { DiagnosisEndReason } from '@sonde/shared';
import type { CommonEndReason } from '../toolboxes/workload.js';

/** How a workload ending from outside reads on a doctor run's or a matrix's wire. */
const FROM_OUTSIDE: Record<CommonEndReason, DiagnosisEndReason> = {
  deleted: 'cancelled',
  'target-stopped': 'target-stopped',
  'engine-lost': 'engine-lost',
  shutdown: 'shutdown',
  'access-revoked': 'access-revoked',
  policy: 'policy',
};

/** The reason a doctor run or a matrix reports, whether it ended itself or was ended from outside. */
export function diagnosisEndReason(reason: DiagnosisEndReason | CommonEndReason): DiagnosisEndReason {
  return reason in FROM_OUTSIDE ? FROM_OUTSIDE[reason as CommonEndReason] : (reason as DiagnosisEndReason);
}
