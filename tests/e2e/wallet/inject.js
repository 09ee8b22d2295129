// Runs in the page's own world: the `injectedWeb3` entry a real extension would add. It holds
// no key; every call is relayed (window message → relay.js → the service worker, which signs).
(() => {
  const pending = new Map();
  let next = 0;
  const ask = (method, params) =>
    new Promise((resolve, reject) => {
      const id = ++next;
      pending.set(id, { resolve, reject });
      window.postMessage({ taoscopeTestWallet: 'request', id, method, params }, window.location.origin);
    });
  window.addEventListener('message', (event) => {
    const data = event.data;
    if (event.source !== window || !data || data.taoscopeTestWallet !== 'reply') return;
    const waiting = pending.get(data.id);
    if (!waiting) return;
    pending.delete(data.id);
    if (data.error) waiting.reject(new Error(data.error));
    else waiting.resolve(data.result);
  });
  window.injectedWeb3 = window.injectedWeb3 || {};
  window.injectedWeb3['taoscope-test'] = {
    version: '1.0.0',
    enable: async (origin) => {
      await ask('enable', { origin });
      return {
        accounts: {
          get: () => ask('accounts', {}),
          subscribe: (cb) => {
            ask('accounts', {}).then(cb);
            return () => {};
          },
        },
        signer: {
          signPayload: (payload) => ask('signPayload', payload),
          signRaw: () => Promise.reject(new Error('the test wallet signs transactions only')),
        },
      };
    },
  };
})();
