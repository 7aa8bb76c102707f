package io.fqdnjob.kube;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import okhttp3.Interceptor;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

class FirstRequestLogTest {
  @Test
  void passesEveryRequestThroughUnchanged() throws Exception {
    Request request = new Request.Builder().url("https://127.0.0.1:6443/apis/x").build();
    Response response =
        new Response.Builder()
            .request(request)
            .protocol(Protocol.HTTP_2)
            .code(200)
            .message("OK")
            .build();
    Interceptor.Chain chain = mock(Interceptor.Chain.class);
    when(chain.request()).thenReturn(request);
    when(chain.proceed(request)).thenReturn(response);

    FirstRequestLog log = new FirstRequestLog();
    assertFalse(log.seen());
    assertSame(response, log.intercept(chain));
    assertTrue(log.seen());
    assertSame(response, log.intercept(chain));
    verify(chain, times(2)).proceed(request);
  }
}
