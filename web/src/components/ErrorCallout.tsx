/** Why an action failed, beside the control that started it; announced (role="alert"). Nothing without a message. */
export function ErrorCallout({ message, testId }: { message: string | null | undefined; testId?: string }) {
  if (!message) return null;
  return (
    <p className="callout callout-danger" role="alert" data-testid={testId}>
      {message}
    </p>
  );
}
