import { useEffect, useRef } from 'preact/hooks';

/** A modal question with Confirm and Cancel (the native <dialog>: focus kept inside, Escape cancels). */
export function ConfirmDialog({ question, confirmLabel, danger, onConfirm, onCancel }: {
  question: string;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  return (
    <dialog ref={ref} class="confirm" onCancel={onCancel} data-testid="confirm-dialog">
      <p>{question}</p>
      <div class="buttons">
        <button type="button" onClick={onCancel} data-testid="confirm-no">Keep as is</button>
        <button type="button" class={danger ? 'danger' : 'primary'} onClick={onConfirm} data-testid="confirm-yes">{confirmLabel}</button>
      </div>
    </dialog>
  );
}
