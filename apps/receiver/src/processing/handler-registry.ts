import type { WebhookEvent, WebhookEventOf, WebhookEventType } from '@omni-webhooks/schema';

export interface HandlerContext {
  /** inbox id of the event */
  id: string;
  /** 1 on the first run; handlers run at least once, possibly more after a crash or failure */
  attempt: number;
  /** aborted when the attempt times out (HANDLER_TIMEOUT_MS), loses its lease, or the receiver stops */
  signal: AbortSignal;
}

export interface ErrorContext extends HandlerContext {
  type: string;
  /** true when no retry follows and the event is now `failed` */
  final: boolean;
}

export type EventHandler<T extends WebhookEventType> = (
  event: WebhookEventOf<T>,
  context: HandlerContext,
) => void | Promise<void>;
export type AnyEventHandler = (event: WebhookEvent, context: HandlerContext) => void | Promise<void>;
export type ErrorHandler = (
  error: unknown,
  event: WebhookEvent | undefined,
  context: ErrorContext,
) => void | Promise<void>;

/** typed handler lists: `on(type)` handlers see the event narrowed to that type */
export class HandlerRegistry {
  readonly #byType = new Map<WebhookEventType, AnyEventHandler[]>();
  readonly #any: AnyEventHandler[] = [];
  readonly #error: ErrorHandler[] = [];

  on<T extends WebhookEventType>(type: T, handler: EventHandler<T>): this {
    const list = this.#byType.get(type) ?? [];
    // the registry only calls it with events whose `event` is `type`
    list.push(handler as AnyEventHandler);
    this.#byType.set(type, list);
    return this;
  }

  onAny(handler: AnyEventHandler): this {
    this.#any.push(handler);
    return this;
  }

  onError(handler: ErrorHandler): this {
    this.#error.push(handler);
    return this;
  }

  /** runs the type's handlers, then the catch-all ones, in registration order; throws the first error */
  async dispatch(event: WebhookEvent, context: HandlerContext): Promise<void> {
    for (const handler of this.#byType.get(event.event) ?? []) await handler(event, context);
    for (const handler of this.#any) await handler(event, context);
  }

  /** error handlers must not break the worker: their own failures are returned, not thrown */
  async reportError(
    error: unknown,
    event: WebhookEvent | undefined,
    context: ErrorContext,
  ): Promise<unknown[]> {
    const failures: unknown[] = [];
    for (const handler of this.#error) {
      try {
        await handler(error, event, context);
      } catch (failure) {
        failures.push(failure);
      }
    }
    return failures;
  }
}
