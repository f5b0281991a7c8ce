import { client } from './engineStart';
import { StrictMode } from 'react';
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { StoreContext } from './app/context';
import { EngineContext } from './app/engine';
import './app/styles.css';
import { createAppStore } from './store';
import { bootApp, embedParams, type SyncEnv } from './store/sync';

performance.mark('pagoda:start');
const store = createAppStore({ client });
// In another page's iframe: this page's own preferences and saved work are left alone.
const embed = embedParams(window.location.search);
store.getState().setEmbedded(embed !== null);
if (embed) document.documentElement.dataset.embed = '';

let storage: Storage | null = null;
try {
  storage = embed ? null : window.localStorage;
} catch {
  storage = null;
}
const env: SyncEnv = {
  location: window.location,
  history: window.history,
  storage,
  addEventListener: (type, fn) => window.addEventListener(type, fn),
  root: document.documentElement,
  embed,
};
// The first render waits for the first document (or a second at most): until the worker has
// started, the main thread is kept free to hand it the messages that boot it.
const booted = bootApp(store, client, env);
let rendered = false;
function render(): void {
  if (rendered) return;
  rendered = true;
  flushSync(() =>
    createRoot(document.getElementById('root')!).render(
      <StrictMode>
        <EngineContext.Provider value={client}>
          <StoreContext.Provider value={store}>
            <App />
          </StoreContext.Provider>
        </EngineContext.Provider>
      </StrictMode>,
    ),
  );
}
setTimeout(render, 1000);
void booted.finally(render).then(() => {
  // After the first frame that shows the translated walk (read by scripts/perf.ts and the e2e fixture).
  requestAnimationFrame(() => {
    performance.mark('pagoda:translated');
    document.documentElement.dataset.ready = 'true';
  });
});
