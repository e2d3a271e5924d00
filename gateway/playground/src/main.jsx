// Entry point of the offline playground bundle. GraphiQL's own fetcher
// (@graphiql/toolkit's createGraphiQLFetcher): queries and mutations POST to
// /graphql, answered whole or, for @defer, as multipart/mixed increments;
// subscriptions go over a WebSocket to /graphql (graphql-ws,
// graphql-transport-ws), the editor's Headers becoming the connection_init
// payload (so {"Authorization": "Bearer ..."} authenticates them too). Every
// request stays on the page's own origin.
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import 'graphiql/style.css';

// The endpoint lives beside the page on the same origin; a relative URL keeps
// that true behind any path prefix a proxy may add.
const endpoint = new URL('/graphql', window.location.href);
const subscriptionUrl = new URL(endpoint);
subscriptionUrl.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';

const fetcher = createGraphiQLFetcher({
  url: endpoint.toString(),
  subscriptionUrl: subscriptionUrl.toString(),
});

// What a first visit shows instead of GraphiQL's generic welcome: a CrowdCrunch operation
// that runs on the demo data as it is (the README's first example). GraphiQL keeps the
// user's own tabs after that. The gateway serves any supergraph, hence the last comment line.
const defaultQuery = `# Welcome to CrowdCrunch. Press Ctrl-Enter (or the run button) to see one
# customer's history across the five services: the customer (customers),
# their orders (orders), payments (payments), shipments (fulfillment) and
# returns (returns). The Docs button lists every type and field.
#
# When the gateway asks for a token (UNAUTHENTICATED, see docs/auth.md), open
# "Headers" below and set: {"Authorization": "Bearer <your token>"}
#
# Serving another supergraph? Replace this with an operation of yours.
query CustomerHistory {
  customer(id: "1fff774a-b520-5f82-b99c-d6f0d8f49123") {
    name
    email
    orders(first: 2) {
      nodes {
        id
        status
        total { amount currency }
        payments { status capturedAmount { amount } }
        shipments { status carrier }
        returns { status reason }
      }
    }
  }
}
`;

const root = createRoot(document.getElementById('graphiql'));
root.render(
  <GraphiQL fetcher={fetcher} defaultQuery={defaultQuery} defaultEditorToolsVisibility={false} />,
);
