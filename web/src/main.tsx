import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import App from "./App";
import { openEarly } from "./useRiskStream";
import "./styles.css";

openEarly(); // the snapshot is on its way while React renders the empty page

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
