// UI strings (kk, ru, en), number formatting and region names. Content itself
// arrives already translated from the server.

const S = {
  kk: {
    home: 'Басты бет', back: 'Жоғары', prev: 'Алдыңғы слайд', next: 'Келесі слайд',
    language: 'Тіл', slide: 'Слайд', slides: 'Слайдтар', sections: 'Бөлімдер',
    open: 'Байланыс бар', connecting: 'Қосылуда…', closed: 'Байланыс жоқ',
    keyHint: 'Планшет сілтемесін (кілтті) тексеріңіз',
    empty: 'Бұл бөлімде ішкі бөлімдер жоқ',
    target: 'Мақсат', baseline: 'Бастапқы', region: 'Өңір',
    idle: 'Басқару үшін планшетті пайдаланыңыз',
    removed: 'Бұл экран залдан алынып тасталды',
    removedHint: 'Ол залдың жаңа нұсқасында жоқ. Әкімшіге хабарласыңыз.',
    offline: 'Сервермен байланыс жоқ',
    offlineHint: 'Қайта қосылуда… Батырмалар байланыс қалпына келгенде жұмыс істейді.',
    errGone: 'Бұл бөлім қазір жоқ',
    errLang: 'Бұл тіл бұл экранда жоқ',
    errForbidden: 'Бұл құрылғы экранды басқара алмайды',
    errRetry: 'Болмады. Қайталап көріңіз',
    // The tablet (visitors): reading, accessibility, idle.
    here: 'Сіз осындасыз',
    pageOf: (i, n) => `Бет ${i} / ${n}`, prevPage: 'Алдыңғы бет', nextPage: 'Келесі бет',
    pages: 'Мәтін беттері', slideOf: (i, n) => `Слайд ${i} / ${n}`, preview: 'Экранда қазір',
    largeText: 'Ірі мәтін', contrast: 'Жоғары контраст', access: 'Арнайы мүмкіндіктер',
    stillThere: 'Сіз әлі осындасыз ба?',
    stillHint: (n) => `${n} секундтан кейін экран келесі келушіге басынан басталады.`,
    stay: 'Иә, жалғастырамын',
    welcome: 'Қош келдіңіз!', welcomeHint: 'Бастау үшін экранды түртіңіз',
    mapRegion: 'Картада белгіленген', mapRegions: 'Өңірлер',
  },
  ru: {
    home: 'Главная', back: 'Наверх', prev: 'Предыдущий слайд', next: 'Следующий слайд',
    language: 'Язык', slide: 'Слайд', slides: 'Слайды', sections: 'Разделы',
    open: 'На связи', connecting: 'Подключение…', closed: 'Нет связи',
    keyHint: 'Проверьте ссылку планшета (ключ)',
    empty: 'В этом разделе нет подразделов',
    target: 'Цель', baseline: 'Исходно', region: 'Регион',
    idle: 'Для управления используйте планшет',
    removed: 'Этот экран удалён из зала',
    removedHint: 'Его нет в новой версии зала. Обратитесь к администратору.',
    offline: 'Нет связи с сервером',
    offlineHint: 'Переподключение… Кнопки заработают, когда связь восстановится.',
    errGone: 'Этого раздела сейчас нет',
    errLang: 'Этого языка на этом экране нет',
    errForbidden: 'Это устройство не управляет экраном',
    errRetry: 'Не получилось. Попробуйте ещё раз',
    here: 'Вы здесь',
    pageOf: (i, n) => `Страница ${i} из ${n}`, prevPage: 'Предыдущая страница', nextPage: 'Следующая страница',
    pages: 'Страницы текста', slideOf: (i, n) => `Слайд ${i} из ${n}`, preview: 'Сейчас на экране',
    largeText: 'Крупный текст', contrast: 'Высокий контраст', access: 'Специальные возможности',
    stillThere: 'Вы ещё здесь?',
    stillHint: (n) => `Через ${n} с экран начнётся заново для следующего посетителя.`,
    stay: 'Да, продолжаю',
    welcome: 'Добро пожаловать!', welcomeHint: 'Коснитесь экрана, чтобы начать',
    mapRegion: 'Отмечено на карте', mapRegions: 'Регионы',
  },
  en: {
    home: 'Home', back: 'Up', prev: 'Previous slide', next: 'Next slide',
    language: 'Language', slide: 'Slide', slides: 'Slides', sections: 'Sections',
    open: 'Connected', connecting: 'Connecting…', closed: 'No connection',
    keyHint: 'Check the tablet link (key)',
    empty: 'This section has no sub-sections',
    target: 'Target', baseline: 'Baseline', region: 'Region',
    idle: 'Use the tablet to explore',
    removed: 'This screen has been removed from the hall',
    removedHint: 'It is not in the new version of the hall. Please contact the administrator.',
    offline: 'No connection to the server',
    offlineHint: 'Reconnecting… The buttons work again once the connection is back.',
    errGone: 'This section is not available now',
    errLang: 'This language is not offered on this screen',
    errForbidden: 'This device cannot drive the screen',
    errRetry: 'That did not work. Please try again',
    here: 'You are here',
    pageOf: (i, n) => `Page ${i} of ${n}`, prevPage: 'Previous page', nextPage: 'Next page',
    pages: 'Text pages', slideOf: (i, n) => `Slide ${i} of ${n}`, preview: 'On the screen now',
    largeText: 'Large text', contrast: 'High contrast', access: 'Accessibility',
    stillThere: 'Are you still there?',
    stillHint: (n) => `In ${n} s the screen starts over for the next visitor.`,
    stay: 'Yes, I am here',
    welcome: 'Welcome!', welcomeHint: 'Touch the screen to start',
    mapRegion: 'Marked on the map', mapRegions: 'Regions',
  },
};

/** Each language's own name, for the language switch. */
export const LANG_NAMES = { kk: 'Қазақша', ru: 'Русский', en: 'English' };

/** UI language for a content language (unknown ones fall back to Russian, then Kazakh). */
export function uiLang(lang) {
  return S[lang] ? lang : 'ru';
}

/** A UI string. */
export function t(lang, key) {
  return S[uiLang(lang)][key] ?? S.en[key] ?? key;
}

/** A UI string with numbers filled in (`pageOf`, `slideOf`, `stillHint`); `t` for others. */
export function tf(lang, key, ...args) {
  const v = t(lang, key);
  return typeof v === 'function' ? v(...args) : String(v);
}

/**
 * A notice in Kazakh and Russian, whatever the language, so every visitor can read it:
 * the strings `title` and `hint` of both, as DOM (textContent only) in `box`, with the
 * classes `CLS-part`, `CLS-title` and `CLS-hint`.
 */
export function bilingual(box, title, hint, cls) {
  box.replaceChildren();
  for (const l of ['kk', 'ru']) {
    const part = document.createElement('div');
    part.className = `${cls}-part`;
    part.lang = l;
    const head = document.createElement('p');
    head.className = `${cls}-title`;
    head.textContent = t(l, title);
    const text = document.createElement('p');
    text.className = `${cls}-hint`;
    text.textContent = t(l, hint);
    part.append(head, text);
    box.append(part);
  }
}

/** The notice a removed screen's pages show (see `bilingual`), with the screen's id. */
export function removedNotice(box, screen) {
  bilingual(box, 'removed', 'removedHint', 'removed');
  if (screen != null && screen !== '') {
    const id = document.createElement('p');
    id.className = 'removed-id';
    id.textContent = `№ ${screen}`;
    box.append(id);
  }
}

/** "2 / 5" */
export function counter(i, n) {
  return `${i} / ${n}`;
}

const nf = new Map();
/** Locale number formatting: 76,2 / 120 000 (kk, ru), 76.2 / 120,000 (en). */
export function fmt(lang, n) {
  let f = nf.get(lang);
  if (!f) {
    // Kazakh writes numbers like Russian (76,2 / 120 000); Chromium's trimmed ICU
    // data formats 'kk' like English, so Kazakh borrows the Russian rules.
    const loc = lang === 'kk' ? 'ru' : lang;
    try {
      f = new Intl.NumberFormat([loc, 'ru'], { maximumFractionDigits: 2 });
    } catch {
      f = new Intl.NumberFormat('ru', { maximumFractionDigits: 2 });
    }
    nf.set(lang, f);
  }
  // U+2212 is not in the bundled font: keep the ASCII hyphen-minus.
  return f.format(n).replace(/\u2212/g, '-');
}
