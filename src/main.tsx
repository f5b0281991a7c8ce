import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { StoreContext } from './app/context';
import { EngineContext } from './app/engine';
import './app/styles.css';
import { createAppStore } from './store';
import { bootApp, type SyncEnv } from './store/sync';
import { startEngine } from './worker/client';

performance.mark('pagoda:start');
const client = startEngine();
const store = createAppStore({ client });

let storage: Storage | null = null;
try {
  storage = window.localStorage;
} catch {
  storage = null;
}
const env: SyncEnv = {
  location: window.location,
  history: window.history,
  storage,
  addEventListener: (type, fn) => window.addEventListener(type, fn),
  root: document.documentElement,
};
void bootApp(store, client, env).then(() => {
  // After the first frame that shows the translated walk (read by scripts/perf.ts and the e2e fixture).
  requestAnimationFrame(() => {
    performance.mark('pagoda:translated');
    document.documentElement.dataset.ready = 'true';
  });
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <EngineContext.Provider value={client}>
      <StoreContext.Provider value={store}>
        <App />
      </StoreContext.Provider>
    </EngineContext.Provider>
  </StrictMode>,
);
