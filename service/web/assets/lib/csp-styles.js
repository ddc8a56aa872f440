/* CodeMirror (inside form-js' and the properties panel's FEEL fields) writes its styles with style-mod, which
   puts a <style> element in a document — refused by our CSP (style-src 'self'). Given a root without `head`,
   style-mod uses a constructable stylesheet adopted by the root instead, which the CSP does not concern: so
   the document is handed over as such a root. Same rules, no inline <style>. */
import { StyleModule } from "style-mod";

const documentRoot = {
  ownerDocument: document,
  get adoptedStyleSheets() { return document.adoptedStyleSheets; },
  set adoptedStyleSheets(sheets) { document.adoptedStyleSheets = sheets; },
};
const mount = StyleModule.mount;
StyleModule.mount = function (root, modules, options) {
  return mount.call(this, root && root.nodeType === 9 ? documentRoot : root, modules, options);
};
