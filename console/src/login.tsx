import { useState } from 'preact/hooks';
import { api, ApiError } from './api.js';
import { Alert } from './alert.js';

/** The API key, checked against the API before it is kept for this browser session. */
export function Login({ onKey }: { onKey: (key: string) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      await api('/v1/reels?limit=1', {}, key.trim());
      onKey(key.trim());
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'the service could not be reached');
    }
  };
  return (
    <form class="login" onSubmit={submit}>
      <h1>reelrestore</h1>
      <label>
        API key
        <input type="password" name="key" value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} autoFocus />
      </label>
      <button type="submit">Sign in</button>
      <Alert text={error} />
    </form>
  );
}
