/**
 * Strings from a model shown in VS Code's own UI (notifications, quick picks, the status bar) must stay text.
 * Those surfaces interpret two syntaxes: `$(name)` becomes an icon (quick picks, status bar, notifications) and
 * `[label](target)` becomes a link in notifications, `command:` targets included. A zero-width space after
 * `$` and between `]` and `(` keeps the characters the user sees and takes the meaning away.
 */
export function inert(s: string): string {
  return s.replace(/\$\(/g, '$\u200b(').replace(/\]\(/g, ']\u200b(');
}
