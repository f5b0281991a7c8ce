import { useApp } from './context';

/** The alert for a bad link, file or edit: says what is wrong; the app keeps working. */
export function AlertBanner() {
  const alert = useApp((s) => s.alert);
  const dismiss = useApp((s) => s.dismissAlert);
  if (!alert) return null;
  return (
    <div className="alert" role="alert">
      <span>{alert.message}</span>
      <button type="button" onClick={dismiss}>
        Dismiss
      </button>
    </div>
  );
}

/** Short notices (link copied, too big for a link), read politely. */
export function Notice() {
  const notice = useApp((s) => s.notice);
  return (
    <div className="notice" aria-live="polite">
      {notice}
    </div>
  );
}
