// Session history of prompts (sessionStorage: gone when the tab closes, never sent anywhere).
import * as fmt from "./format.js";

const KEY = "semcache.history";
const MAX = 50;

export function createHistory({ list, empty, clear, onPick }) {
  let items = load();

  function load() {
    try {
      return JSON.parse(sessionStorage.getItem(KEY) || "[]");
    } catch {
      return [];
    }
  }

  function save() {
    sessionStorage.setItem(KEY, JSON.stringify(items.slice(0, MAX)));
  }

  function render() {
    list.replaceChildren(
      ...items.map((item) => {
        const li = document.createElement("li");
        const b = document.createElement("button");
        b.type = "button";
        b.title = `Ask again: ${item.prompt}`;
        const dot = document.createElement("span");
        dot.className = `h-dot ${item.status || ""}`;
        dot.setAttribute("aria-label", item.status || "unknown");
        const text = document.createElement("span");
        text.className = "h-text";
        text.textContent = item.prompt;
        const ms = document.createElement("span");
        ms.className = "h-ms";
        ms.textContent = item.cacheMs != null ? fmt.ms(item.cacheMs) : "";
        b.append(dot, text, ms);
        b.addEventListener("click", () => onPick(item.prompt));
        li.append(b);
        return li;
      }),
    );
    empty.hidden = items.length > 0;
    clear.hidden = items.length === 0;
  }

  clear.addEventListener("click", () => {
    items = [];
    save();
    render();
  });
  render();

  let nextId = Date.now();
  return {
    /** Records a prompt as it is sent; returns an id for `update` once its answer is known. */
    add(item) {
      const id = nextId++;
      items = [{ ...item, id, at: Date.now() }, ...items].slice(0, MAX);
      save();
      render();
      return id;
    },
    update(id, patch) {
      items = items.map((it) => (it.id === id ? { ...it, ...patch } : it));
      save();
      render();
    },
  };
}
