// Renders /openapi.json with the vendored Swagger UI (no third-party hosts).
window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
