import { defineConfig } from "vite";

// No plugin: Vite compiles TypeScript and JSX (React's automatic runtime) itself. Add
// @vitejs/plugin-react if you want Fast Refresh while developing.
export default defineConfig({
  oxc: { jsx: { runtime: "automatic" } },
  build: { sourcemap: true },
});
