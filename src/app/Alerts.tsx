import { useApp } from './context';

/** The alert for a bad link, file or edit: says what is wrong; the app keeps working. */
export function AlertBanner() {
  const alert = useApp((s) => s.alert);
  const dismiss = useApp((s) => s.dismissAlert);
  const setNotice = useApp((s) => s.setNotice);
  if (!alert) return null;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(alert.copyText ?? '');
      setNotice('The link’s text is on the clipboard.');
    } catch {
      setNotice('The clipboard is not available here; the link’s text is shown in the alert.');
    }
  };
  return (
    <div className="alert" role="alert">
      <span>{alert.message}</span>
      {alert.copyText !== null && (
        <>
          <button type="button" onClick={() => void copy()}>
            Copy the link’s text
          </button>
          <details className="alert-text">
            <summary>Show it</summary>
            <code className="mono">#{alert.copyText.slice(0, 4000)}</code>
          </details>
        </>
      )}
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
