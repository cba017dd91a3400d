/** Typed access to a service's parsed environment; injected everywhere as `AppConfig`. */
export class AppConfig<T extends object = Record<string, unknown>> {
  constructor(
    readonly service: string,
    private readonly values: T,
  ) {}

  get<K extends keyof T>(key: K): T[K] {
    return this.values[key];
  }
}
