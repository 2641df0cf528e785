// Light/dark: the inline script in base.html applies the saved or OS theme before paint; this wires the
// toggle and follows OS changes until the visitor picks a theme themselves.
const KEY = "semcache.theme";
const root = document.documentElement;
const button = document.getElementById("theme-toggle");
const media = window.matchMedia("(prefers-color-scheme: dark)");

function apply(theme) {
  root.dataset.theme = theme;
  button?.setAttribute("aria-pressed", String(theme === "dark"));
  document.dispatchEvent(new CustomEvent("themechange", { detail: { theme } }));
}

function saved() {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

apply(root.dataset.theme || (media.matches ? "dark" : "light"));
button?.addEventListener("click", () => {
  const next = root.dataset.theme === "dark" ? "light" : "dark";
  try {
    localStorage.setItem(KEY, next);
  } catch {
    /* private mode: the choice lasts for this page only */
  }
  apply(next);
});
media.addEventListener("change", (e) => {
  if (!saved()) apply(e.matches ? "dark" : "light");
});
