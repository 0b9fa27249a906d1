import { useState } from 'preact/hooks';
import { saveKey, savedKey } from './api.js';
import { Login } from './login.js';
import { ReelList } from './reel-list.js';
import { Viewer } from './viewer.js';

/** The console: a key for this browser session, the tenant's reels, and a viewer for one of them. */
export function App() {
  const [key, setKey] = useState(savedKey());
  const [open, setOpen] = useState<string | null>(null);
  if (!key) {
    return (
      <Login
        onKey={(k) => {
          saveKey(k);
          setKey(k);
        }}
      />
    );
  }
  const signOut = () => {
    saveKey(null);
    setKey(null);
  };
  return (
    <div class="shell">
      <header>
        <strong>reelrestore</strong>
        {open ? (
          <button onClick={() => setOpen(null)} data-testid="back">
            ← reels
          </button>
        ) : null}
        <span class="spacer" />
        <button onClick={signOut}>sign out</button>
      </header>
      {open ? <Viewer reelId={open} /> : <ReelList onOpen={setOpen} />}
    </div>
  );
}
