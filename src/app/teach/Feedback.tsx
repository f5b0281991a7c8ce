/** What a checked answer gets (predict mode and quizzes alike): right or not, the answer, and why, from the engine. */
export function Feedback({ right, revealed = false, expected, explain }: { right: boolean; revealed?: boolean; expected: string; explain: string }) {
  return (
    <div className={`feedback ${revealed ? 'revealed' : right ? 'right' : 'wrong'}`} aria-live="polite">
      <p className="verdict-line">{revealed ? `The answer: ${expected}` : right ? `Right: ${expected}` : `Not quite: the answer is ${expected}`}</p>
      <p className="small">{explain}</p>
    </div>
  );
}
