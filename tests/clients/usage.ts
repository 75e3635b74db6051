// What a TypeScript client developer writes against the types
// openapi-typescript generates from the live document (schema.d.ts, made
// by scripts/client-check.sh). `tsc --noEmit` must accept it.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

const client = createClient<paths>({ baseUrl: "http://127.0.0.1:8000" });

export async function placeAndCancel(token: string, productId: string): Promise<number> {
  const headers = { Authorization: `Bearer ${token}` };
  const placed = await client.POST("/api/v1/orders", {
    headers: { ...headers, "Idempotency-Key": "order-1" },
    body: { items: [{ product_id: productId, quantity: 1 }] },
  });
  if (!placed.data) {
    const problem: components["schemas"]["ProblemDetails"] | undefined = placed.error;
    throw new Error(problem?.code ?? "no answer");
  }
  const order: components["schemas"]["OrderBody"] = placed.data;
  const cancelled = await client.PATCH("/api/v1/orders/{id}", {
    params: { path: { id: order.id }, header: { "If-Match": `"${order.version}"` } },
    headers,
    body: { status: "cancelled" },
  });
  return cancelled.data?.version ?? order.version;
}

export async function cheapestTeapots(): Promise<string[]> {
  const page = await client.GET("/api/v1/products", {
    params: { query: { q: "teapot", sort: "price_cents", limit: 10 } },
  });
  return (page.data?.items ?? []).map((p) => p.name);
}
