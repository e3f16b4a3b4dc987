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
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}
