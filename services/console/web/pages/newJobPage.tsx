import { useState } from 'preact/hooks';
import { api, ApiError, type Job, type JobSpec } from '../api.js';
import { bytes, count } from '../format.js';
import { navigate } from '../router.js';

type Kind = 'text' | 'number' | 'secret' | 'choice';
interface Field {
  name: string;
  label: string;
  kind?: Kind;
  required?: boolean;
  hint?: string;
  /** A choice's options: the value sent ('' sends nothing, the API's default) and what it says. */
  options?: Array<[value: string, label: string]>;
}

/** The form's fields are JobSpec's (the API's names); the API validates them, and its refusal is shown at the field it names. */
const GROUPS: Array<{ title: string; fields: Field[] }> = [
  {
    title: 'Job',
    fields: [
      { name: 'job_id', label: 'Job id', required: true, hint: 'letters, digits, - and _' },
      { name: 'description', label: 'Description' },
    ],
  },
  {
    title: 'What to copy',
    fields: [
      { name: 'source_bucket', label: 'Source bucket', required: true },
      { name: 'prefix', label: 'Prefix' },
      { name: 'min_size', label: 'Min size (bytes)', kind: 'number' },
      { name: 'max_size', label: 'Max size (bytes)', kind: 'number' },
      { name: 'created_after', label: 'Created after (RFC 3339)' },
      { name: 'created_before', label: 'Created before (RFC 3339)' },
      {
        name: 'versions',
        label: 'Versions',
        kind: 'choice',
        options: [
          ['', 'Latest only'],
          ['all', 'All versions and delete markers'],
        ],
        hint: 'all: the destination bucket must have versioning enabled',
      },
    ],
  },
  {
    title: 'Where to',
    fields: [
      { name: 'destination_bucket', label: 'Destination bucket', required: true },
      { name: 'destination_endpoint', label: 'Destination endpoint', hint: 'empty: the source endpoint' },
      { name: 'destination_region', label: 'Destination region' },
      { name: 'destination_access_key', label: 'Destination access key' },
      { name: 'destination_secret_key', label: 'Destination secret key', kind: 'secret' },
    ],
  },
  {
    title: 'How',
    fields: [
      { name: 'concurrency', label: 'Concurrency', kind: 'number' },
      { name: 'rate_limit_bytes_per_sec', label: 'Rate limit (bytes/s)', kind: 'number' },
      { name: 'priority', label: 'Priority', kind: 'number' },
      { name: 'max_retries', label: 'Max retries', kind: 'number' },
      { name: 'notification_webhook', label: 'Notification webhook (URL)' },
      { name: 'schedule.cron', label: 'Schedule (cron)' },
      { name: 'schedule.timezone', label: 'Schedule time zone' },
    ],
  },
];
const FIELDS = GROUPS.flatMap((g) => g.fields);

type Values = Record<string, string>;
type Preview = Pick<Job, 'object_count' | 'total_bytes' | 'first_keys' | 'identical_at_destination'>;

/**
 * The job as the API reads it: empty fields left out, numbers sent as numbers (text that is not one is
 * sent as typed, for the API to refuse naming the field), schedule.* nested.
 */
export function specOf(values: Values): JobSpec {
  const spec: Record<string, unknown> = {};
  const schedule: Record<string, string> = {};
  for (const f of FIELDS) {
    const raw = (values[f.name] ?? '').trim();
    if (raw === '') continue;
    const value = f.kind === 'number' && /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
    if (f.name.startsWith('schedule.')) schedule[f.name.slice('schedule.'.length)] = raw;
    else spec[f.name] = value;
  }
  if (Object.keys(schedule).length > 0) spec.schedule = schedule;
  return spec as JobSpec;
}

export function NewJobPage() {
  const [values, setValues] = useState<Values>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string>();
  const [preview, setPreview] = useState<Preview>();
  const [busy, setBusy] = useState<'preview' | 'create'>();

  const change = (name: string, value: string) => {
    setValues({ ...values, [name]: value });
    setPreview(undefined); // a preview holds only for the values it was made from
    if (errors[name]) setErrors({ ...errors, [name]: '' });
  };

  const refused = (err: unknown) => {
    if (!(err instanceof ApiError)) throw err;
    const byField: Record<string, string> = {};
    for (const d of err.details) {
      const field = d.field && FIELDS.some((f) => f.name === d.field) ? d.field : d.field?.startsWith('schedule') ? 'schedule.cron' : undefined;
      if (field) byField[field] = d.reason;
    }
    setErrors(byField);
    setGeneral(Object.keys(byField).length > 0 ? 'The API refused the job: see the marked field.' : err.message);
  };

  const runPreview = async (e: Event) => {
    e.preventDefault();
    setBusy('preview');
    setGeneral(undefined);
    setErrors({});
    try {
      const answer = await api.createJob({ ...specOf(values), dry_run: true, dry_run_key_limit: 20 });
      setPreview(answer);
    } catch (err) {
      refused(err);
    } finally {
      setBusy(undefined);
    }
  };

  const create = async () => {
    setBusy('create');
    setGeneral(undefined);
    try {
      const job = await api.createJob(specOf(values));
      navigate({ page: 'job', id: job.job_id! });
    } catch (err) {
      setPreview(undefined);
      refused(err);
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <section class="new-job">
      <h1>New job</h1>
      <form onSubmit={(e) => void runPreview(e)} data-testid="new-job-form" novalidate>
        {GROUPS.map((g) => (
          <fieldset key={g.title}>
            <legend>{g.title}</legend>
            {g.fields.map((f) => (
              <label key={f.name} class={errors[f.name] ? 'invalid' : ''}>
                <span>{f.label}{f.required ? ' *' : ''}</span>
                {f.kind === 'choice' ? (
                  <select name={f.name} value={values[f.name] ?? ''} onChange={(e) => change(f.name, e.currentTarget.value)}
                    aria-invalid={errors[f.name] ? 'true' : undefined} data-testid={`field-${f.name}`}>
                    {f.options?.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
                  </select>
                ) : f.kind === 'secret' ? (
                  <input name={f.name} type="password" autocomplete="off" value={values[f.name] ?? ''} onInput={(e) => change(f.name, e.currentTarget.value)}
                    aria-invalid={errors[f.name] ? 'true' : undefined} data-testid={`field-${f.name}`} />
                ) : (
                  <input name={f.name} type="text" inputMode={f.kind === 'number' ? 'numeric' : undefined} autocomplete="off" value={values[f.name] ?? ''}
                    onInput={(e) => change(f.name, e.currentTarget.value)} aria-invalid={errors[f.name] ? 'true' : undefined} data-testid={`field-${f.name}`} />
                )}
                {f.hint && <small class="muted">{f.hint}</small>}
                {errors[f.name] && <small class="field-error" data-testid={`error-${f.name}`}>{errors[f.name]}</small>}
              </label>
            ))}
          </fieldset>
        ))}
        {general && <p class="error" role="alert" data-testid="form-error">{general}</p>}
        <div class="buttons">
          <button type="submit" disabled={busy !== undefined} data-testid="preview">{busy === 'preview' ? 'Listing…' : 'Preview (dry run)'}</button>
          <button type="button" class="primary" disabled={preview === undefined || busy !== undefined} onClick={() => void create()} data-testid="create">
            Create job
          </button>
        </div>
      </form>
      {preview && (
        <div class="preview" data-testid="preview-panel">
          <h2>What this job would copy</h2>
          <dl class="stats">
            <div><dt>Objects</dt><dd data-testid="preview-objects">{count(preview.object_count)}</dd></div>
            <div><dt>Bytes</dt><dd data-testid="preview-bytes">{bytes(preview.total_bytes)}</dd></div>
            {preview.identical_at_destination !== undefined && <div><dt>Already identical at the destination</dt><dd>{count(preview.identical_at_destination)}</dd></div>}
          </dl>
          <h3>First keys</h3>
          <ul class="keys" data-testid="preview-keys">{(preview.first_keys ?? []).map((k) => <li key={k}>{k}</li>)}</ul>
        </div>
      )}
    </section>
  );
}
