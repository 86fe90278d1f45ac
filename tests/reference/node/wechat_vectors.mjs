// WeChat provider vectors, made by the pinned Better Auth 1.7.24's own `wechat` provider.
//
//   node wechat_vectors.mjs        # prints the vectors kept as literals in tests/oauth/test_wechat.py
//
// Run once by hand; the test suite does not need node. `fetch` is replaced by a recorder that answers as
// WeChat's API does (200 with JSON, errors as 200 with `errcode`), so every URL below is the one Better Auth
// sends: the authorization URL, the GET code exchange and refresh, and the `sns/userinfo` call.
import { wechat } from "better-auth/social-providers";

const sent = [];
let answers = {};
globalThis.fetch = async (input, init) => {
  const url = input instanceof Request ? input.url : String(input);
  sent.push({ method: init?.method ?? "GET", url: String(url) });
  const body = answers[String(url).split("?")[0]] ?? { errcode: 40001, errmsg: "invalid credential" };
  return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
};

const REDIRECT = "http://127.0.0.1:3000/api/auth/callback/wechat";
const options = { clientId: "wx-app-id", clientSecret: "wx-secret" };
const TOKEN = "https://api.weixin.qq.com/sns/oauth2/access_token";
const REFRESH = "https://api.weixin.qq.com/sns/oauth2/refresh_token";
const USERINFO = "https://api.weixin.qq.com/sns/userinfo";
const profile = {
  openid: "o6_bmjrPTlm6_2sgVt7hMZOPfL2M", nickname: "Wei Xin", sex: 1, province: "Guangdong", city: "Shenzhen",
  country: "CN", headimgurl: "https://thirdwx.qlogo.cn/mmopen/g3Mon/0", privilege: ["chinaunicom"],
  unionid: "o6_bmasdasdsad6_2sgVt7hMZOPfL",
};

async function attempt(fn) {
  try {
    return { value: await fn() };
  } catch (e) {
    return { thrown: e.message };
  }
}

const out = {};
const provider = wechat(options);
out.authorize = {
  default: String(await provider.createAuthorizationURL({ state: "state-123", codeVerifier: "v".repeat(64),
                                                          redirectURI: REDIRECT })),
  full: String(await wechat({ ...options, lang: "en", scope: ["snsapi_userinfo"] }).createAuthorizationURL({
    state: "state-123", codeVerifier: "v".repeat(64), redirectURI: REDIRECT, scopes: ["extra:scope"],
    loginHint: "ignored@example.com",
    additionalParams: { appid: "forged", client_id: "forged", state: "forged", self_redirect: "true" },
  })),
  without_defaults: String(await wechat({ ...options, disableDefaultScope: true, redirectURI: "https://app.example/cb" })
    .createAuthorizationURL({ state: "s", redirectURI: REDIRECT, scopes: ["snsapi_base"] })),
};

answers = { [TOKEN]: { access_token: "ACCESS", expires_in: 7200, refresh_token: "REFRESH", openid: profile.openid,
                       scope: "snsapi_login", unionid: profile.unionid } };
sent.length = 0;
const tokens = await provider.validateAuthorizationCode({ code: "CODE", codeVerifier: "v", redirectURI: REDIRECT });
out.exchange = { sent: [...sent], tokens: { ...tokens, accessTokenExpiresAt: undefined } };

answers = { [USERINFO]: profile };
sent.length = 0;
const info = await provider.getUserInfo(tokens);
out.userinfo = { sent: [...sent], result: info };
answers = { [USERINFO]: { ...profile, unionid: undefined } };
out.userinfo_without_unionid = await provider.getUserInfo(tokens);
answers = { [USERINFO]: { ...profile, email: "Someone@Example.com" } };
out.userinfo_with_email = await provider.getUserInfo(tokens);
out.account_subject = {
  with_unionid: provider.accountSubject({ profile, tokens }),
  without_unionid: provider.accountSubject({ profile: { ...profile, unionid: undefined }, tokens }),
};

answers = { [USERINFO]: { errcode: 40003, errmsg: "invalid openid" } };
out.userinfo_errcode = await provider.getUserInfo(tokens);
out.userinfo_without_openid = await provider.getUserInfo({ ...tokens, openid: undefined });
answers = { [USERINFO]: { ...profile, unionid: "has space" } };
out.userinfo_invalid_placeholder = await attempt(() => provider.getUserInfo(tokens));

answers = { [TOKEN]: { errcode: 40029, errmsg: "invalid code" } };
out.exchange_errcode = await attempt(() => provider.validateAuthorizationCode({ code: "BAD", redirectURI: REDIRECT }));

answers = { [REFRESH]: { access_token: "ACCESS2", expires_in: 7200, refresh_token: "REFRESH2", openid: profile.openid,
                         scope: "snsapi_login,snsapi_userinfo" } };
sent.length = 0;
const refreshed = await provider.refreshAccessToken("REFRESH");
out.refresh = { sent: [...sent], tokens: { ...refreshed, accessTokenExpiresAt: undefined } };
answers = { [REFRESH]: { errcode: 40030, errmsg: "invalid refresh_token" } };
out.refresh_errcode = await attempt(() => provider.refreshAccessToken("STALE"));

console.log(JSON.stringify(out, null, 2));
