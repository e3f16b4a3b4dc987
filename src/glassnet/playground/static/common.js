// What every page's script shares: element lookup, the status line, and JSON calls to the server.
"use strict";

const $ = (id) => document.getElementById(id);

function say(text) { $("message").textContent = text || ""; }

// A JSON request; an answer that is not OK throws its "error" message.
async function api(method, path, body) {
  const init = { method, headers: { "Content-Type": "application/json" } };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(path, init);
  const data = await response.json();
  if (!response.ok) throw Object.assign(new Error(data.error || response.statusText), { status: response.status });
  return data;
}

// Calls of the returned function supersede one another: only the latest request's reply
// (or error) reaches the page. A slow earlier reply that arrives later is dropped, so the
// page never shows a result for settings that are no longer on screen.
function latest() {
  let generation = 0;
  return async (method, path, body) => {
    const mine = ++generation;
    try {
      const data = await api(method, path, body);
      if (mine === generation) return data;
    } catch (e) {
      if (mine === generation) throw e;
    }
    return new Promise(() => {});  // superseded: never settles
  };
}
