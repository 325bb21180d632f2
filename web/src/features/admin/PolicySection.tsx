import { useEffect, useState, type FormEvent } from 'react';
import { errorText } from '../../components/error-text';
import { ErrorCallout } from '../../components/ErrorCallout';
import { usePendingAction } from '../../components/use-pending-action';
import { useConsoleData } from '../../hooks/use-console-data';
import {
  LIST_FIELDS,
  formToPolicy,
  policyToForm,
  POLICY_ROLES,
  type ListField,
  type PolicyFormErrors,
  type PolicyFormValues,
  type PolicyRole,
} from './policy-form';

const LIST_HELP: Record<ListField, { label: string; help: string; placeholder: string }> = {
  composeProjects: {
    label: 'Only these Compose projects',
    help: 'Empty: any project (and containers outside Compose).',
    placeholder: 'shop\nbilling',
  },
  namePatterns: {
    label: 'Only containers named like',
    help: 'Globs: * any characters, ? one. Empty: any name.',
    placeholder: 'web-*\napi-?',
  },
  denyLabels: {
    label: 'Never containers, pods, namespaces or nodes labelled',
    help: 'key or key=value. Anything labelled sonde.deny=true is always refused.',
    placeholder: 'tier=database\npci',
  },
  namespaces: {
    label: 'Kubernetes: only pods in namespaces named like',
    help: 'Globs: * any characters, ? one. Empty: any namespace.',
    placeholder: 'shop\nstaging-*',
  },
  podSelectors: {
    label: 'Kubernetes: only pods matching one of these label selectors',
    help: 'As kubectl -l reads them, one per line: app=web,tier!=db or env in (prod,staging). Empty: any pod.',
    placeholder: 'app=web\nteam in (shop,payments)',
  },
};

/** Which targets operators and admins may open shells and run tools on. */
export function PolicySection() {
  const data = useConsoleData();
  const [form, setForm] = useState<PolicyFormValues | null>(null);
  const [errors, setErrors] = useState<PolicyFormErrors>({});
  const [loadError, setLoadError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const saving = usePendingAction();
  const error = saving.error ?? loadError;

  useEffect(() => {
    let current = true;
    data.admin
      .policy()
      .then((policy) => current && setForm(policyToForm(policy)))
      .catch((failure: unknown) => current && setLoadError(errorText(failure)));
    return () => {
      current = false;
    };
  }, [data]);

  if (!form) {
    return error ? <ErrorCallout message={error} testId="policy-error" /> : <p className="muted">Loading…</p>;
  }

  const change = <K extends keyof PolicyFormValues[PolicyRole]>(role: PolicyRole, key: K, value: PolicyFormValues[PolicyRole][K]) => {
    setSaved(false);
    setForm({ ...form, [role]: { ...form[role], [key]: value } });
  };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSaved(false);
    saving.setError(null);
    const parsed = formToPolicy(form);
    if (!parsed.ok) {
      setErrors(parsed.errors);
      return;
    }
    setErrors({});
    saving.run(
      () => data.admin.savePolicy(parsed.policy),
      (policy) => {
        setForm(policyToForm(policy));
        setSaved(true);
      },
    );
  };

  return (
    <form className="admin-form policy-form" onSubmit={submit} data-testid="policy-form" noValidate>
      <h2 className="section-title">Target policy</h2>
      <p className="muted">
        Applies when a shell, tool run or capture starts; open sessions keep running. Viewers never open anything; the
        console’s own container and toolboxes are never targets.
      </p>
      <ErrorCallout message={error} testId="policy-error" />
      <div className="policy-columns">
        {POLICY_ROLES.map((role) => (
          <fieldset key={role} className="policy-role" data-testid={`policy-${role}`}>
            <legend>{role === 'operator' ? 'Operators' : 'Admins'}</legend>
            <label className="checkbox">
              <input
                type="checkbox"
                data-testid={`policy-${role}-allowHost`}
                checked={form[role].allowHost}
                onChange={(event) => change(role, 'allowHost', event.target.checked)}
              />
              host-namespace shells
            </label>
            <label className="checkbox">
              <input
                type="checkbox"
                data-testid={`policy-${role}-allowNetworks`}
                checked={form[role].allowNetworks}
                onChange={(event) => change(role, 'allowNetworks', event.target.checked)}
              />
              join Docker networks
            </label>
            <label className="checkbox">
              <input
                type="checkbox"
                data-testid={`policy-${role}-allowSensitiveNetworks`}
                checked={form[role].allowSensitiveNetworks}
                onChange={(event) => change(role, 'allowSensitiveNetworks', event.target.checked)}
              />
              join sensitive networks (with a sonde.deny member, a denied label, or the console)
            </label>
            <label className="checkbox">
              <input
                type="checkbox"
                data-testid={`policy-${role}-allowSharePid`}
                checked={form[role].allowSharePid}
                onChange={(event) => change(role, 'allowSharePid', event.target.checked)}
              />
              shells with a container's processes (SYS_PTRACE)
            </label>
            <label className="checkbox">
              <input
                type="checkbox"
                data-testid={`policy-${role}-allowNetworkNamespaces`}
                checked={form[role].allowNetworkNamespaces}
                onChange={(event) => change(role, 'allowNetworkNamespaces', event.target.checked)}
              />
              overlay networks' own namespaces (a helper with SYS_ADMIN on the node)
            </label>
            <label className="checkbox">
              <input
                type="checkbox"
                data-testid={`policy-${role}-allowNodes`}
                checked={form[role].allowNodes}
                onChange={(event) => change(role, 'allowNodes', event.target.checked)}
              />
              Kubernetes nodes' own namespaces (a hostNetwork pod on the node), and hostNetwork pods
            </label>
            {LIST_FIELDS.map((field) => {
              const problem = errors[`${role}.${field}`];
              return (
                <label key={field} className="field">
                  <span className="field-label">{LIST_HELP[field].label}</span>
                  <textarea
                    rows={3}
                    spellCheck={false}
                    data-testid={`policy-${role}-${field}`}
                    placeholder={LIST_HELP[field].placeholder}
                    aria-invalid={problem ? true : undefined}
                    value={form[role][field]}
                    onChange={(event) => change(role, field, event.target.value)}
                  />
                  {problem ? (
                    <span className="form-error" data-testid="policy-field-error">
                      {problem}
                    </span>
                  ) : (
                    <span className="field-help">
                      {LIST_HELP[field].help} {field === 'podSelectors' ? 'One per line.' : 'Comma or newline separated.'}
                    </span>
                  )}
                </label>
              );
            })}
          </fieldset>
        ))}
      </div>
      <div className="form-row">
        <button type="submit" className="button button-primary" data-testid="policy-save" disabled={saving.pending}>
          {saving.pending ? 'Saving…' : 'Save policy'}
        </button>
        {saved && (
          <span className="muted" data-testid="policy-saved">
            Saved.
          </span>
        )}
      </div>
    </form>
  );
}
