// The extension's isolated world: passes the page's requests to the service worker and its
// answers back. Only messages from this very window, tagged as the test wallet's, are relayed.
window.addEventListener('message', async (event) => {
  const data = event.data;
  if (event.source !== window || !data || data.taoscopeTestWallet !== 'request') return;
  let reply;
  try {
    reply = await chrome.runtime.sendMessage({ method: data.method, params: data.params, origin: window.location.origin });
  } catch (e) {
    reply = { error: `the wallet is unreachable: ${e.message}` };
  }
  window.postMessage({ taoscopeTestWallet: 'reply', id: data.id, ...reply }, window.location.origin);
});
