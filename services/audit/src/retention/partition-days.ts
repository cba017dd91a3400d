const DAY_MS = 86_400_000;
const NAME = /^events_p(\d{4})(\d{2})(\d{2})$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** `YYYY-MM-DD` of a UTC day. */
export const dayOf = (at: Date): string => at.toISOString().slice(0, 10);

/** The UTC day `days` after `day`. */
export const addDays = (day: string, days: number): string =>
  dayOf(new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS));

/** The partition holding one UTC day: `events_pYYYYMMDD`. */
export function partitionNameOf(day: string): string {
  if (!DAY.test(day)) throw new Error(`not a day: ${day}`);
  return `events_p${day.replaceAll('-', '')}`;
}

/** The day a partition holds, or undefined for a table that is not one of ours. */
export function dayOfPartition(name: string): string | undefined {
  const match = NAME.exec(name);
  return match ? `${match[1]}-${match[2]}-${match[3]}` : undefined;
}

/** Days from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  return days;
}
