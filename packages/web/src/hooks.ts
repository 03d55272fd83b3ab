import { message } from 'antd';
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { get, messageOf, post } from './api';

/**
 * Loads now and again every `intervalMs` while the page is visible, so the workbench
 * shows departments' decisions without a reload. `key` changes restart it.
 */
export function usePoll<T>(load: () => Promise<T>, intervalMs: number, key: unknown[] = []) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const loadRef = useRef(load);
  loadRef.current = load;
  const run = useCallback(async () => {
    try {
      const v = await loadRef.current();
      setData(v);
      setError(undefined);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  }, []);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setLoading(true);
    setData(undefined);
    const tick = async () => {
      if (stopped) return;
      if (document.visibilityState !== 'hidden') await run();
      if (!stopped && intervalMs > 0) timer = setTimeout(tick, intervalMs);
    };
    void tick();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [intervalMs, ...key]);
  return { data, error, loading, reload: run };
}

// ------------------------------------------------------------------------------------- actions

/**
 * One POST from a dialog on a case: `busy` while it runs (for the OK button), then either
 * `done` as a success message, `onSuccess` (close the dialog, clear the form) and
 * `refresh` (reload the case), or the API's reason as an error message, in Chinese.
 */
export function useCaseAction(refresh: () => Promise<void>, onSuccess?: () => void) {
  const [busy, setBusy] = useState(false);
  const run = async (path: string, body: unknown, done: string) => {
    setBusy(true);
    try {
      await post(path, body);
      void message.success(done);
      onSuccess?.();
      await refresh();
    } catch (e) {
      void message.error(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  return { busy, run };
}

// ------------------------------------------------------------------------------------- routing

const subscribeHash = (cb: () => void) => {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
};

/** The current route: `#/cases/123?x=1` -> { path: ['cases', '123'], query }. */
export function useRoute() {
  const hash = useSyncExternalStore(subscribeHash, () => window.location.hash);
  const [pathPart, queryPart] = hash.replace(/^#\/?/, '').split('?');
  return {
    path: (pathPart ?? '').split('/').filter(Boolean).map(decodeURIComponent),
    query: new URLSearchParams(queryPart ?? ''),
  };
}

export const navigate = (to: string) => {
  window.location.hash = to.startsWith('#') ? to : `#${to}`;
};

// ------------------------------------------------------------------------------------- capabilities

/**
 * Which routes this server offers, from its OpenAPI document: buttons for features
 * that other parts of the system add (统一出件, replay, the Chinese timeline) appear
 * only where the API has them.
 */
let routes: Promise<Set<string>> | undefined;
export function loadRoutes(): Promise<Set<string>> {
  routes ??= get<{ paths?: Record<string, Record<string, unknown>> }>('/api/v1/openapi.json')
    .then((doc) => {
      const set = new Set<string>();
      for (const [path, ops] of Object.entries(doc.paths ?? {})) for (const m of Object.keys(ops)) set.add(`${m.toUpperCase()} ${path}`);
      return set;
    })
    .catch(() => new Set<string>());
  return routes;
}

export function useRoutes(): Set<string> | undefined {
  const [set, setSet] = useState<Set<string>>();
  useEffect(() => {
    void loadRoutes().then(setSet);
  }, []);
  return set;
}

/** The first route (METHOD path-template) that matches. */
export const findRoute = (set: Set<string> | undefined, test: RegExp): string | undefined => (set ? [...set].find((r) => test.test(r)) : undefined);

// ------------------------------------------------------------------------------------- names

/** Display names by identity (`user.wang` → 王芳), for who did what; loaded once. */
let people: Promise<Record<string, string>> | undefined;
export function usePeople(): Record<string, string> {
  const [names, setNames] = useState<Record<string, string>>({});
  useEffect(() => {
    people ??= get<{ people: Record<string, string> }>('/api/v1/auth/people')
      .then((r) => r.people)
      .catch(() => ({}));
    void people.then(setNames);
  }, []);
  return names;
}

/** Matter names by id (the red list and the statistics name matters, not their ids); loaded once. */
let matters: Promise<Record<string, string>> | undefined;
export function useMatterNames(): Record<string, string> {
  const [names, setNames] = useState<Record<string, string>>({});
  useEffect(() => {
    matters ??= get<{ id: string; name: string }[]>('/api/v1/matters')
      .then((list) => Object.fromEntries(list.map((m) => [m.id, m.name])))
      .catch(() => ({}));
    void matters.then(setNames);
  }, []);
  return names;
}
