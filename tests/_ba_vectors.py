"""Literals produced by Better Auth 1.7.24 (copied here: tests never read the shared reference).

* ``WIRE_*``: the ``/token`` answer and ``/jwks`` key of the captured wire examples (Node reference server).
* ``BA_*``: ``auth.api.signJWT`` tokens, ``jwks`` rows and ``/jwks`` bodies from better-auth 1.7.24 with the
  memory adapter, ``baseURL`` ``http://127.0.0.1:3000`` and ``BA_SECRET``, one per algorithm; the rows' private
  keys are ``symmetricEncrypt``-ed by Better Auth itself.
* ``BA_ENVELOPE``: ``symmetricEncrypt({key: BA_SECRET, data: "hello tessera"})``.
"""


BA_SECRET = "ba-ref-benchmark-secret-0123456789abcdef0123456789abcdef"
BA_BASE = "http://127.0.0.1:3000"

WIRE_TOKEN = 'eyJhbGciOiJFZERTQSIsImtpZCI6InkweXR0dGRzelh2WlBBMmFkWHRaNElXMTZwdGJyRDZmIn0.eyJpYXQiOjE3OTU0NDY5NjcsIm5hbWUiOiJBbGljZSIsImVtYWlsIjoiYWxpY2VAZXhhbXBsZS5jb20iLCJlbWFpbFZlcmlmaWVkIjpmYWxzZSwiaW1hZ2UiOm51bGwsImNyZWF0ZWRBdCI6IjIwMjYtMTEtMjNUMTU6MTY6MDYuMTQ3WiIsInVwZGF0ZWRBdCI6IjIwMjYtMTEtMjNUMTU6MTY6MDYuMTQ3WiIsInR3b0ZhY3RvckVuYWJsZWQiOmZhbHNlLCJyb2xlIjoidXNlciIsImJhbm5lZCI6ZmFsc2UsImJhblJlYXNvbiI6bnVsbCwiYmFuRXhwaXJlcyI6bnVsbCwiaWQiOiJ2U21CN2V4NXpwOE9mclQ3UWZyUFA0dWhUWVB0cDRLZSIsInN1YiI6InZTbUI3ZXg1enA4T2ZyVDdRZnJQUDR1aFRZUHRwNEtlIiwiZXhwIjoxNzk1NDQ3ODY3LCJpc3MiOiJodHRwOi8vMTI3LjAuMC4xOjMwMDAiLCJhdWQiOiJodHRwOi8vMTI3LjAuMC4xOjMwMDAifQ.bGo9gnd6Z0pM3bdyRFfzAIJkkccpeieqmcq_UaP1gs9NK67zldkHe-_2AwJHemto5_vT9Rsi9EMm3zqR62krAQ'
WIRE_JWK = {"alg": "EdDSA", "crv": "Ed25519", "x": "UE06LpKdXFFVYy-4RsMGNOefOp1DxrfGNAt0NxKZ7S4", "kty": "OKP", "kid": "y0ytttdszXvZPA2adXtZ4IW16ptbrD6f"}
WIRE_IAT = 1795446967

BA_ENVELOPE = '50c4dde01d53761bdf34230940fac25a846652e6571f5387edb59e5ad2f72b6ca237700de4ff94d21f38063d71dd7b77b231788ae5'

BA_EDDSA_TOKEN = 'eyJhbGciOiJFZERTQSIsImtpZCI6Iks4THJNN3FOWlNXek0ycmszQTFmU0dsSjVxUzRhUHVMIn0.eyJzdWIiOiJ1c2VyLTEiLCJuYW1lIjoiQWxpY2UiLCJleHAiOjE3OTU0NTQ0MjYsImlzcyI6Imh0dHA6Ly8xMjcuMC4wLjE6MzAwMCIsImF1ZCI6Imh0dHA6Ly8xMjcuMC4wLjE6MzAwMCJ9.mR5jlFjMcmf_GaCBPFSPRWoZQtGexusYRacwFXArE2QNwjv3YLURGSgGRXm_3LfY2hHKRf1bPTMMufruz-PbCA'
BA_EDDSA_JWKS = {"keys": [{"alg": "EdDSA", "crv": "Ed25519", "x": "1GteKJzSPQmKLM2OqzOjLIKGsmMed97z1MFTy1CKuf4", "kty": "OKP", "kid": "K8LrM7qNZSWzM2rk3A1fSGlJ5qS4aPuL"}]}
BA_EDDSA_ROW = {"publicKey": "{\"crv\":\"Ed25519\",\"x\":\"1GteKJzSPQmKLM2OqzOjLIKGsmMed97z1MFTy1CKuf4\",\"kty\":\"OKP\"}", "privateKey": "\"c046f5ddd17fd3f2c4e749844937b00118d63c447f7513bd82bc643c134c451d521244418988bf2d82c4f0b21168d12cdefe0aa91bdecf6d5a4302e7d171b4c90076f8b5ba14ab86161153322907ecff77bcadf4965b21272113814928f81f992cfe82b7fc5f61a6ad671352b94a331db9cc9d0535b94b5f379d8d028475173ebaca51f4e4e2d5e278554ca5e30556092d552b4feaeca95a8f9e97216ed177159f7d32711c4e4a9bf6\"", "createdAt": "2026-11-23T17:05:26.830Z", "alg": "EdDSA", "crv": "Ed25519", "id": "K8LrM7qNZSWzM2rk3A1fSGlJ5qS4aPuL"}

BA_ES256_TOKEN = 'eyJhbGciOiJFUzI1NiIsImtpZCI6Ik5CT3VhaHdxTUFVaWduVTJ4eTZTS1YzbnA4Zm1IcmJrIn0.eyJzdWIiOiJ1c2VyLTEiLCJuYW1lIjoiQWxpY2UiLCJleHAiOjE3OTU0NTQ0MjYsImlzcyI6Imh0dHA6Ly8xMjcuMC4wLjE6MzAwMCIsImF1ZCI6Imh0dHA6Ly8xMjcuMC4wLjE6MzAwMCJ9.eH1DVgJLet-EJmQLzQjykXUTW4Y65yek-ObuOsBfcfiExv6e5V9irms9Zo3dtSnfns-Rd6soxV0yw2UMNZ4vkA'
BA_ES256_JWKS = {"keys": [{"alg": "ES256", "crv": "P-256", "kty": "EC", "x": "IfLr-HuIonVJKtOMUJwNXb_9bbS3gYNLrQfnR7eLcdw", "y": "1YdREEfu-98NpMKqC76eUHuTTzVRg9dGPLScYML0DcE", "kid": "NBOuahwqMAUignU2xy6SKV3np8fmHrbk"}]}
BA_ES256_ROW = {"publicKey": "{\"kty\":\"EC\",\"x\":\"IfLr-HuIonVJKtOMUJwNXb_9bbS3gYNLrQfnR7eLcdw\",\"y\":\"1YdREEfu-98NpMKqC76eUHuTTzVRg9dGPLScYML0DcE\",\"crv\":\"P-256\"}", "privateKey": "\"ba7e252c93ae06e772375584b8cdc257d130d18b337c945cd6f29d4adab20bf4f0e2a1c8e9ecb19f3026a4af18d1593c8baa5ef37c101f4eb1ed44190cf29067c35d5e9ff4087aee9cb13a11526c54832ba791224bd0104c02e13aa8aeaa4778623099688b311dec63d41eb9afb2048878a267f14a0d46bc3d130bf0ab37211da10f17204b3863e1f3c7f689de64ac4dc7be0f7c744e657eab7a8e898c749abdf607a958968cfadc0d274d2474cb604e24cd28544cd6f1529acb8c3b586bb7a2a50d1f123ba0522d10e466046bde994336d662d0e5d3a379\"", "createdAt": "2026-11-23T17:05:26.850Z", "alg": "ES256", "crv": "P-256", "id": "NBOuahwqMAUignU2xy6SKV3np8fmHrbk"}

BA_RS256_TOKEN = 'eyJhbGciOiJSUzI1NiIsImtpZCI6Ik5DTlpQaHFteHZlVklXSDJMY1g3bU1TWFE4eE5hSVUyIn0.eyJzdWIiOiJ1c2VyLTEiLCJuYW1lIjoiQWxpY2UiLCJleHAiOjE3OTU0NTQ0MjYsImlzcyI6Imh0dHA6Ly8xMjcuMC4wLjE6MzAwMCIsImF1ZCI6Imh0dHA6Ly8xMjcuMC4wLjE6MzAwMCJ9.JiaAT6PaZ-qXwUJ_Z7WhxMMHgQPDyZgg9Mf0GPU_VwUZbw0rotC2YNE5bncZBc0vJ6ElC_HJwuxvgbRpv_ZofMiawSRf2NFZXeULIbsrCumAMXC1C98cU6D2dddAHm1zvC8hToXI4c6eFJsq6-Fv_xESPnJJA5cLAuXR-8eXrnfdUi6AgXlNY8k00yPcCxYJjjxaq6rdgEe5RO_UXqmBsikMvVp0K63WAGYRjTV-WRGfrCxsslE13Jjp6K5ERk9hwnkZ5-38ay9KDt1jPm7Yzq3PdMat_WHyxFiEv3nA1AKhUXfknw8QcGfTK1Nstrzf0-GWXDdYwNVQ8FKztS63CA'
BA_RS256_JWKS = {"keys": [{"alg": "RS256", "kty": "RSA", "n": "0Hb-DqjKC2HCZD6lIitfmkJeRNNfJoxOxpbSy2QP8PfErmzlEZ1TksFT2NH-Rj4grHfifQetUzs1dyllr4eg-_Gbkgz5LpnsxcqENB42b2pSKtqLpQEQ6kDQab_0ePxenMNLkwFbOadUFth5AqflNyCp_dI8d97IpwCXqYKTmVKGkhzNjaaMSYVFg3DtZ4y5z85d5b0SJhkHHvq5xSqmLaZ9PZOldJaz5Rj2y6rv6gThg9WhKjECkpHxaUsnaO2bxKkfbUhLsNwpNzT-SyasuSej6OrlQ7QreQYuUikD5yXjNHah2DdVnBXgOQbFBUD133kO200dl9-8W__iFKrYuw", "e": "AQAB", "kid": "NCNZPhqmxveVIWH2LcX7mMSXQ8xNaIU2"}]}
