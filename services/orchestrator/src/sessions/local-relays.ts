import type { JsonRpcMessage } from '@portcullis/contracts';

type Receiver = (subject: string, message: JsonRpcMessage | null) => void;

/**
 * Relay subjects that stay inside this worker process. An upstream session publishes what it sends during a call to
 * the call's relay subject; for a stateless (2026-07-28) call that subject names this process, so the message is
 * handed over synchronously, in order, instead of going out to NATS and back.
 */
export class LocalRelays {
  private readonly receivers = new Map<string, Receiver>();

  /** Messages for subjects starting with `prefix.` go to `receiver`. */
  register(prefix: string, receiver: Receiver): () => void {
    this.receivers.set(`${prefix}.`, receiver);
    return () => this.receivers.delete(`${prefix}.`);
  }

  /** True when the subject is local and the message was handed over. */
  deliver(subject: string, message: JsonRpcMessage | null): boolean {
    for (const [prefix, receiver] of this.receivers)
      if (subject.startsWith(prefix)) {
        receiver(subject, message);
        return true;
      }
    return false;
  }
}

/** One per process: the session service publishes through it, the stateless calls register with it. */
export const localRelays = new LocalRelays();
