import { readFileSync, statSync } from 'node:fs';
import type { SecureContextOptions } from 'node:tls';
import { checkServingCertificate, type ServingCertificate } from '../domain/servingCertificate.js';
import type { Logger } from '../log/logger.js';

/** The API's PEM files (ferry.api_tls). */
export interface ApiTlsFiles {
  certFile: string;
  keyFile: string;
  /** Set: mutual TLS, clients must present a certificate this CA signed. */
  clientCaFile?: string;
}

export type RenewalListener = (context: SecureContextOptions, served: ServingCertificate) => void;

/**
 * The certificate both API ports serve, re-read when its files change: every `reloadIntervalMs` the
 * files are stat'ed (following symlinks, so a Kubernetes Secret volume's swap of `..data` counts), and
 * when any changed they are read and checked again. A renewal that checks out goes to every listener
 * (each server sets it as its secure context, for new connections; open ones keep theirs); one that does
 * not (a key not yet written beside its new certificate, a truncated file, an expired certificate) is
 * logged as a warning and the certificate in use is kept. The files are tried again when they change again.
 */
export class ApiCertificates {
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<RenewalListener>();
  /** The files' stat signature last looked at, whether or not its contents could be used. */
  private seen: string;

  private constructor(
    private readonly files: ApiTlsFiles,
    private readonly log: Logger,
    private context: SecureContextOptions,
    private served: ServingCertificate,
  ) {
    this.seen = signature(files);
  }

  /** Reads and checks the files now; throws (a ServingCertificateError naming the file, or the read's error) if they cannot be served. */
  static open(files: ApiTlsFiles, log: Logger): ApiCertificates {
    const { context, served } = read(files);
    const certificates = new ApiCertificates(files, log, context, served);
    log.info(describe(served, files), 'API certificate loaded');
    return certificates;
  }

  /** True when clients must present a certificate the client CA signed. */
  get requireClientCertificate(): boolean {
    return this.files.clientCaFile !== undefined;
  }

  /** The options of a TLS server serving the current certificate (cert, key, and the client CA if any). */
  get secureContext(): SecureContextOptions {
    return this.context;
  }

  get current(): ServingCertificate {
    return this.served;
  }

  /** Called with each renewal that checked out; returns the unsubscribe. */
  onRenewal(listener: RenewalListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts looking at the files every `intervalMs`. The timer does not hold the process open. */
  watch(intervalMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.reloadIfChanged(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  /** Reads the files again if they changed since last looked at; true when a renewal was taken. */
  reloadIfChanged(): boolean {
    const now = signature(this.files);
    if (now === this.seen) return false;
    this.seen = now;
    let next: { context: SecureContextOptions; served: ServingCertificate };
    try {
      next = read(this.files);
    } catch (err) {
      this.log.warn(
        { err: (err as Error).message, ...this.files, serving_serial: this.served.serial, serving_not_after: this.served.validTo.toISOString() },
        'the API certificate files changed but cannot be used: still serving the certificate loaded before',
      );
      return false;
    }
    const previous = this.served;
    this.context = next.context;
    this.served = next.served;
    for (const listener of this.listeners) {
      try {
        listener(next.context, next.served);
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'a server could not take the renewed API certificate');
      }
    }
    this.log.info({ ...describe(next.served, this.files), previous_serial: previous.serial }, 'API certificate renewed');
    return true;
  }
}

function read(files: ApiTlsFiles): { context: SecureContextOptions; served: ServingCertificate } {
  const cert = readFileSync(files.certFile, 'utf8');
  const key = readFileSync(files.keyFile, 'utf8');
  const clientCa = files.clientCaFile === undefined ? undefined : readFileSync(files.clientCaFile, 'utf8');
  const served = checkServingCertificate({ cert, key, ...(clientCa === undefined ? {} : { clientCa }) });
  return { context: { cert, key, ...(clientCa === undefined ? {} : { ca: clientCa }) }, served };
}

/** What changes when a file is rewritten or replaced; a file that cannot be stat'ed counts as its own state. */
function signature(files: ApiTlsFiles): string {
  return [files.certFile, files.keyFile, files.clientCaFile]
    .map((path) => {
      if (path === undefined) return '-';
      try {
        const s = statSync(path);
        return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
      } catch (err) {
        return `missing:${(err as NodeJS.ErrnoException).code ?? ''}`;
      }
    })
    .join('|');
}

function describe(served: ServingCertificate, files: ApiTlsFiles): Record<string, unknown> {
  return {
    subject: served.subject,
    serial: served.serial,
    sha256: served.fingerprint256,
    not_after: served.validTo.toISOString(),
    cert_file: files.certFile,
    ...(files.clientCaFile === undefined ? {} : { client_ca_file: files.clientCaFile, client_cas: served.clientCas }),
  };
}
