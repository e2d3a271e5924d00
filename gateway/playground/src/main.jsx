// Entry point of the offline playground bundle. The fetcher is our own (not
// @graphiql/toolkit) so the bundle carries no websocket/multipart client and
// every request goes to the page's own origin.
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';

// The endpoint lives beside the page on the same origin; a relative URL keeps
// that true behind any path prefix a proxy may add.
const endpoint = new URL('/graphql', window.location.href).toString();

async function fetcher(params, opts) {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(opts && opts.headers),
    },
    body: JSON.stringify(params),
    credentials: 'same-origin',
  });
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return { errors: [{ message: `HTTP ${response.status}: ${text}` }] };
  }
}

const root = createRoot(document.getElementById('graphiql'));
root.render(<GraphiQL fetcher={fetcher} defaultEditorToolsVisibility={false} />);
