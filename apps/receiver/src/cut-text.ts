/** marks where a value was cut */
export const CUT_MARK = '…';

/**
 * `text` when it has at most `maxChars` utf-16 units, else its start and `…` in at most `maxChars`;
 * never splits a surrogate pair
 */
export function cutText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let end = Math.max(0, maxChars - CUT_MARK.length);
  if (end > 0 && /[\ud800-\udbff]/.test(text.charAt(end - 1))) end -= 1;
  return `${text.slice(0, end)}${CUT_MARK}`;
}
